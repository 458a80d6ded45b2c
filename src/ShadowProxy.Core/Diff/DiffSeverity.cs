namespace ShadowProxy.Core.Diff;

/// <summary>
/// How much a difference matters to the candidate's clients (docs/comparison.md#severity), least first, so that "at least risky" is
/// a comparison of values.
/// </summary>
public enum DiffSeverity
{
    /// <summary>A difference no client is expected to notice: a header outside <see cref="SeverityRules.SemanticHeaders"/>.</summary>
    Cosmetic,

    /// <summary>A changed value, an added field, a re-ordered or resized array, a semantic header: some clients notice.</summary>
    Risky,

    /// <summary>A status class, a type, a missing field or a body format changed: clients written for legacy fail.</summary>
    Breaking,
}

/// <summary>The names severities have in configuration, the admin API and the CLI.</summary>
public static class DiffSeverities
{
    /// <summary>For messages: the accepted names, most severe first.</summary>
    public const string Accepted = "breaking, risky or cosmetic";

    public static string Name(DiffSeverity severity) => severity switch
    {
        DiffSeverity.Breaking => "breaking",
        DiffSeverity.Risky => "risky",
        _ => "cosmetic",
    };

    /// <summary>Parses <c>breaking</c>, <c>risky</c> or <c>cosmetic</c>, ignoring case and surrounding spaces.</summary>
    public static bool TryParse(string? text, out DiffSeverity severity)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "breaking":
                severity = DiffSeverity.Breaking;
                return true;
            case "risky":
                severity = DiffSeverity.Risky;
                return true;
            case "cosmetic":
                severity = DiffSeverity.Cosmetic;
                return true;
            default:
                severity = default;
                return false;
        }
    }
}
