using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace ShadowCtl.Commands;

/// <summary>Arguments and options that several commands take, made fresh for each command (symbols have one parent).</summary>
internal static class CommonSymbols
{
    public static Argument<string> MigrationName() => new("NAME") { Description = "The migration's name, as in the configuration's ShadowProxy:Migrations" };

    public static Option<string?> Reason(string description = "Why; recorded in the audit log") => new("--reason", "-r") { Description = description };

    public static Option<int?> Limit(string description) => PositiveInt("--limit", description);

    /// <summary>A whole number of at least 1; anything else is a usage error before any request is sent.</summary>
    public static Option<int?> PositiveInt(string name, string description)
    {
        var option = new Option<int?>(name) { Description = description };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1)
            {
                result.AddError($"{name} must be at least 1.");
            }
        });
        return option;
    }

    /// <summary>A duration: <c>2s</c>, <c>500ms</c>, <c>1m</c>, a plain number of seconds, or a TimeSpan (<c>00:00:02</c>).</summary>
    public static Option<TimeSpan> Duration(string name, string description, TimeSpan fallback, TimeSpan minimum, params string[] aliases) => new(name, aliases)
    {
        Description = description,
        DefaultValueFactory = _ => fallback,
        CustomParser = result => ParseDuration(result, name, minimum),
    };

    private static TimeSpan ParseDuration(ArgumentResult result, string name, TimeSpan minimum)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value.Trim() : string.Empty;
        var (number, unit) = text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (text[..^2], 0.001)
            : text.EndsWith('s') || text.EndsWith('S') ? (text[..^1], 1.0)
            : text.EndsWith('m') || text.EndsWith('M') ? (text[..^1], 60.0)
            : (text, 1.0);

        TimeSpan? value = double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
            ? TimeSpan.FromSeconds(amount * unit)
            : TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? span : null;
        if (value is not { } duration || duration < minimum)
        {
            result.AddError($"{name} '{text}' is not a duration of at least {minimum.TotalMilliseconds:0}ms, e.g. 2s, 500ms or 1m.");
            return default;
        }

        return duration;
    }
}
