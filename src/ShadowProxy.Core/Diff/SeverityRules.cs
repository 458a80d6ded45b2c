namespace ShadowProxy.Core.Diff;

/// <summary>
/// Classifies differences by severity (docs/comparison.md#severity): the built-in rules by kind, path and values, then the
/// <c>Diff:Severity</c> overrides per path pattern. When several override patterns match a path, the longest
/// pattern wins (the most specific one: <c>$.meta.version</c> over <c>$.meta.*</c>), because configuration keys
/// have no order a reader could rely on. Immutable and safe to share between threads.
/// </summary>
public sealed class SeverityRules
{
    /// <summary>Headers whose change alters how a client reads or handles the response: risky, where others are cosmetic.</summary>
    public static readonly IReadOnlyList<string> SemanticHeaders =
        ["Content-Type", "Content-Encoding", "Location", "Set-Cookie", "Cache-Control", "WWW-Authenticate", "Retry-After"];

    private static readonly HashSet<string> SemanticHeaderSet = new(SemanticHeaders, StringComparer.OrdinalIgnoreCase);

    private readonly Override[] _overrides;

    private SeverityRules(Override[] overrides) => _overrides = overrides;

    /// <summary>The built-in rules, without overrides.</summary>
    public static SeverityRules Default { get; } = new([]);

    /// <summary>
    /// Compiles <c>Diff:Severity</c> (pattern → severity name). On failure <paramref name="badKey"/> is the pattern
    /// at fault and <paramref name="error"/> says why, so a validator can name the full configuration key.
    /// </summary>
    public static bool TryCreate(IReadOnlyDictionary<string, string> overrides, out SeverityRules rules, out string badKey, out string error)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        var compiled = new List<Override>(overrides.Count);
        foreach (var (pattern, severityName) in overrides)
        {
            if (!DiffSeverities.TryParse(severityName, out var severity))
            {
                (rules, badKey, error) = (Default, pattern, $"is not a severity (use {DiffSeverities.Accepted})");
                return false;
            }

            if (!PathPatternSet.TryCompile([pattern], out var set, out var reason))
            {
                (rules, badKey, error) = (Default, pattern, "is not a difference path pattern: " + reason["[0]: ".Length..]);
                return false;
            }

            compiled.Add(new Override(pattern.Trim(), set, severity));
        }

        rules = compiled.Count == 0 ? Default : new SeverityRules([.. compiled.OrderByDescending(o => o.Pattern.Length).ThenBy(o => o.Pattern, StringComparer.Ordinal)]);
        (badKey, error) = (string.Empty, string.Empty);
        return true;
    }

    /// <summary>Compiles <paramref name="overrides"/>; throws <see cref="ArgumentException"/> naming the bad pattern.</summary>
    public static SeverityRules Create(IReadOnlyDictionary<string, string> overrides) =>
        TryCreate(overrides, out var rules, out var key, out var error) ? rules : throw new ArgumentException($"Severity:{key} {error}", nameof(overrides));

    /// <summary>The severity of one difference; the values refine status and body differences (see <see cref="Intrinsic(string, string, string?, string?)"/>).</summary>
    public DiffSeverity Classify(string path, DifferenceKind kind, string? legacy = null, string? candidate = null) =>
        Classify(path, KindNames[(int)kind], legacy, candidate);

    /// <inheritdoc cref="Classify(string, DifferenceKind, string?, string?)"/>
    /// <param name="kind">The kind's name as stored (<c>TypeChanged</c>); a name this version does not know is risky.</param>
    public DiffSeverity Classify(string path, string kind, string? legacy = null, string? candidate = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        foreach (var rule in _overrides)
        {
            if (rule.Paths.Matches(path))
            {
                return rule.Severity;
            }
        }

        return Intrinsic(path, kind, legacy, candidate);
    }

    /// <summary>
    /// The most severe non-noise difference of <paramref name="result"/>, or null when it has none. Differences
    /// left out of a full list count as risky: they are real (the outcome says so) but were never looked at.
    /// </summary>
    public DiffSeverity? MostSevere(ComparisonResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        DiffSeverity? most = null;
        foreach (var difference in result.Differences)
        {
            if (!difference.IsNoise)
            {
                var severity = Classify(difference.Path, difference.Kind, difference.Legacy, difference.Candidate);
                if (most is null || severity > most)
                {
                    most = severity;
                }
            }
        }

        if (result.DifferencesTruncated && result.Outcome == ComparisonOutcome.Diff && (most is null || most < DiffSeverity.Risky))
        {
            most = DiffSeverity.Risky;
        }

        return most;
    }

    /// <summary>
    /// The built-in rules. Breaking: <c>TypeChanged</c>, <c>Missing</c>, a status whose class changed (or a
    /// backend that gave no response), a body whose format changed. Risky: every other content change, and the
    /// <see cref="SemanticHeaders"/>. Cosmetic: any other header. Without values (a summary row), a status
    /// difference is breaking, as nearly all are, and a body difference is risky.
    /// </summary>
    public static DiffSeverity Intrinsic(string path, string kind, string? legacy, string? candidate)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(kind);
        switch (kind)
        {
            case nameof(DifferenceKind.TypeChanged) or nameof(DifferenceKind.Missing):
                return DiffSeverity.Breaking;
            case nameof(DifferenceKind.Status):
                return legacy is null || candidate is null || StatusClass(legacy) != StatusClass(candidate) ? DiffSeverity.Breaking : DiffSeverity.Risky;
            case nameof(DifferenceKind.Body):
                return BodyFormats.IsFormatChange(legacy, candidate) ? DiffSeverity.Breaking : DiffSeverity.Risky;
            case nameof(DifferenceKind.Header):
                var name = path.StartsWith(DiffEngine.HeaderPathPrefix, StringComparison.Ordinal) ? path[DiffEngine.HeaderPathPrefix.Length..] : path;
                return SemanticHeaderSet.Contains(name) ? DiffSeverity.Risky : DiffSeverity.Cosmetic;
            default:
                return DiffSeverity.Risky;
        }
    }

    /// <summary>'2' for 204; a value that is not a status (timeout, connection-error) is a class of its own.</summary>
    private static string StatusClass(string status) =>
        status.Length == 3 && char.IsAsciiDigit(status[0]) ? status[..1] : status;

    private static readonly string[] KindNames = Enum.GetNames<DifferenceKind>();

    private sealed record Override(string Pattern, PathPatternSet Paths, DiffSeverity Severity);
}
