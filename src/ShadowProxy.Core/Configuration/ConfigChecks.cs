using ShadowProxy.Core.Diff;

namespace ShadowProxy.Core.Configuration;

/// <summary>
/// The checks the validators share, each with its one wording: a value breaking one adds a <see cref="ConfigError"/>
/// naming <c>key</c>. Pure data checks; the value leads the message ("120 is outside 0..100").
/// </summary>
public static class ConfigChecks
{
    public static void NotNegative(long value, string key, List<ConfigError> errors) => Check(value >= 0, key, $"{value} is negative", errors);

    public static void AboveZero(long value, string key, List<ConfigError> errors) => Check(value > 0, key, $"{value} must be above 0", errors);

    public static void Percent(double value, string key, List<ConfigError> errors) => Check(value is >= 0 and <= 100, key, $"{value} is outside 0..100", errors);

    /// <summary>A share of the time or of requests, 0..1.</summary>
    public static void Fraction(double value, string key, List<ConfigError> errors) => Check(value is >= 0 and <= 1, key, $"{value} is outside 0..1 (a fraction: 0.01 is 1%)", errors);

    /// <summary>A share that must not be 0: (0, 1].</summary>
    public static void Ratio(double value, string key, List<ConfigError> errors) => Check(value is > 0 and <= 1, key, $"{value} is outside (0, 1]", errors);

    /// <summary>Above zero and at most <paramref name="max"/>.</summary>
    public static void PositiveDuration(TimeSpan value, TimeSpan max, string key, List<ConfigError> errors)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add(new(key, value < TimeSpan.Zero ? $"{value} is negative" : "must be above zero"));
        }
        else
        {
            Check(value <= max, key, $"{value} is above the limit of {max}", errors);
        }
    }

    public static void Within(TimeSpan value, TimeSpan min, TimeSpan max, string key, List<ConfigError> errors) =>
        Check(value >= min && value <= max, key, $"{value} is outside {min}..{max}", errors);

    /// <summary>Compiles the patterns as the diff engine will, so a bad one is named at start-up.</summary>
    public static void JsonPaths(IReadOnlyList<string> paths, string key, List<ConfigError> errors)
    {
        for (var i = 0; i < paths.Count; i++)
        {
            var path = paths[i];
            if (string.IsNullOrWhiteSpace(path) || path[0] != '$')
            {
                errors.Add(new($"{key}[{i}]", $"'{path}' is not a JSON path (it starts with '$', e.g. $.meta.requestId)"));
            }
            else if (!PathPatternSet.TryCompile([path], out _, out var error))
            {
                errors.Add(new($"{key}[{i}]", error.StartsWith("[0]: ", StringComparison.Ordinal) ? error[5..] : error));
            }
        }
    }

    /// <summary>Adds <paramref name="message"/> at <paramref name="key"/> unless <paramref name="holds"/> (NaN never holds).</summary>
    public static void Check(bool holds, string key, string message, List<ConfigError> errors)
    {
        if (!holds)
        {
            errors.Add(new(key, message));
        }
    }
}
