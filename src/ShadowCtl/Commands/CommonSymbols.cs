using System.CommandLine;
using System.CommandLine.Parsing;

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
}
