using System.Text.RegularExpressions;
using ShadowProxy.Core.Configuration;

namespace ShadowProxy.Configuration;

/// <summary>
/// A refused configuration as the running proxy may repeat it (docs/security.md: <c>/readyz</c>, metrics and
/// logs never echo configuration values). Validation messages are written for the operator at the
/// terminal and may quote the value; a live edit is reported by key, and its reason without the value:
/// the value at the key, and anything quoted, become "…". Values are secrets often enough (API keys,
/// Redis passwords, webhook URLs with tokens) that the rule has no exceptions.
/// </summary>
internal static partial class ConfigErrorText
{
    private const string Hidden = "…";

    /// <summary>The keys only, for unauthenticated readers (<c>/readyz</c>).</summary>
    public static string Keys(IReadOnlyList<ConfigError> errors) =>
        errors[0].Key + (errors.Count > 1 ? $" (and {errors.Count - 1} more)" : string.Empty);

    /// <summary>
    /// "key: reason" with quoted text taken out, for start-up errors on standard error (which a container
    /// ships as its log): text values are where secrets live (keys, passwords, URLs with tokens); numbers
    /// stay, so "Weight: 120 is outside 0..100" still says what is wrong.
    /// </summary>
    public static string WithoutText(ConfigError error) => $"{error.Key}: {Quoted().Replace(error.Message, "'" + Hidden + "'")}";

    /// <summary>"key: reason" with the value taken out, for the log of a live edit; <paramref name="section"/> is the section read.</summary>
    public static string WithoutValue(ConfigError error, IConfigurationSection section)
    {
        var message = error.Message;
        var key = ConfigurationKey(error.Key);
        var value = key.StartsWith(section.Path + ":", StringComparison.OrdinalIgnoreCase) ? section[key[(section.Path.Length + 1)..]] : null;
        if (!string.IsNullOrWhiteSpace(value))
        {
            // Messages lead with the value ("120 is outside 0..100"); elsewhere only where it stands as a word of its own.
            message = message.StartsWith(value + " ", StringComparison.Ordinal)
                ? Hidden + message[value.Length..]
                : Regex.Replace(message, @"(?<![\w.])" + Regex.Escape(value) + @"(?![\w.])", Hidden, RegexOptions.None, TimeSpan.FromSeconds(1));
        }

        return $"{error.Key}: {Quoted().Replace(message, "'" + Hidden + "'")}";
    }

    /// <summary><c>Stages[2]:Weight</c> (as errors name keys) → <c>Stages:2:Weight</c> (as configuration does).</summary>
    private static string ConfigurationKey(string key) => Index().Replace(key, ":$1");

    [GeneratedRegex(@"\[(\d+)\]")]
    private static partial Regex Index();

    [GeneratedRegex("'[^']*'")]
    private static partial Regex Quoted();
}
