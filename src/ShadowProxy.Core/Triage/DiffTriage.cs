using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Core.Triage;

/// <summary>How summary rows are grouped: one per endpoint × path × kind (as stored), or one per path × kind across endpoints.</summary>
public enum SummaryGrouping
{
    Endpoint,
    Path,
}

/// <summary>What the triage view of the summary wants: a minimum severity, an order, a grouping and a page.</summary>
public sealed record TriageQuery
{
    /// <summary>Only rows at least this severe; null: all.</summary>
    public DiffSeverity? MinSeverity { get; init; }

    public SummarySort Sort { get; init; } = SummarySort.Severity;

    public SummaryGrouping GroupBy { get; init; } = SummaryGrouping.Endpoint;

    public int Offset { get; init; }

    public int Limit { get; init; } = 100;
}

/// <summary>
/// One path and kind across endpoints (docs/comparison.md#severity, <c>groupBy=path</c>): a header that differs on every endpoint is
/// one cause, one row. Array positions are folded (<see cref="PathGeneralizer"/>): <c>$.items[3].status</c> and
/// <c>$.items[8].status</c> are one cause, <c>$.items[*].status</c>, of <paramref name="Paths"/> distinct paths.
/// <paramref name="Count"/> counts occurrences (an element each); <paramref name="Rate"/> is the share of the
/// endpoints' comparisons in which it occurred, at least (per endpoint, that of its most frequent path).
/// <paramref name="IsNoise"/> holds when it is noise on every endpoint.
/// </summary>
public sealed record DiffSummaryGroup(
    string Path,
    int Paths,
    string Kind,
    string Severity,
    long Count,
    long NoiseCount,
    double Rate,
    bool IsNoise,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    IReadOnlyList<GroupEndpoint> Endpoints);

/// <summary>One endpoint of a <see cref="DiffSummaryGroup"/>, most affected first; <paramref name="Path"/> is its most frequent exact path (whose samples to show).</summary>
public sealed record GroupEndpoint(string Endpoint, string Path, long Count, double Rate, bool IsNoise, IReadOnlyList<long> SampleIds);

/// <param name="Total">Groups matching the filters, over all pages.</param>
public sealed record DiffSummaryGroupPage(long Total, int Offset, int Limit, string GroupBy, IReadOnlyList<DiffSummaryGroup> Rows);

/// <summary>
/// Ranks, filters and groups summary rows for people triaging differences (docs/comparison.md#severity). Pure: the caller reads the
/// rows from the store (all of them: the store bounds them per migration) and the rules in force from the
/// migration. In the default order real differences come before noise, because noise is what a team decided to
/// ignore, then the most severe, then the most frequent.
/// </summary>
public static class DiffTriage
{
    // Sample ids an endpoint of a group lists (the store keeps a few per path).
    private const int MaxSampleIds = 10;

    public static DiffSummaryPage Rows(IReadOnlyList<DiffSummaryRow> rows, SeverityRules rules, TriageQuery query)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(query);
        var ranked = Rank(rows, rules, query.MinSeverity);
        var sorted = query.Sort switch
        {
            SummarySort.Count => ranked.OrderByDescending(r => r.Row.Count),
            SummarySort.Rate => ranked.OrderByDescending(r => r.Row.Rate).ThenByDescending(r => r.Row.Count),
            SummarySort.LastSeen => ranked.OrderByDescending(r => r.Row.LastSeen),
            SummarySort.FirstSeen => ranked.OrderByDescending(r => r.Row.FirstSeen),
            SummarySort.Endpoint => ranked.OrderBy(r => r.Row.Endpoint, StringComparer.Ordinal).ThenBy(r => r.Row.Path, StringComparer.Ordinal),
            SummarySort.Path => ranked.OrderBy(r => r.Row.Path, StringComparer.Ordinal).ThenBy(r => r.Row.Endpoint, StringComparer.Ordinal),
            _ => ranked.OrderByDescending(r => Standing(r.Row.IsNoise, r.Severity)).ThenByDescending(r => r.Row.Count),
        };
        var page = sorted
            .ThenBy(r => r.Row.Endpoint, StringComparer.Ordinal).ThenBy(r => r.Row.Path, StringComparer.Ordinal).ThenBy(r => r.Row.Kind, StringComparer.Ordinal)
            .Skip(query.Offset).Take(query.Limit)
            .Select(r => r.Row with { Severity = DiffSeverities.Name(r.Severity) })
            .ToList();
        return new DiffSummaryPage(ranked.Count, query.Offset, query.Limit, page);
    }

    public static DiffSummaryGroupPage Groups(IReadOnlyList<DiffSummaryRow> rows, SeverityRules rules, TriageQuery query)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(query);
        var groups = Rank(rows, rules, query.MinSeverity)
            .GroupBy(r => (Path: PathGeneralizer.Generalize(r.Row.Path), r.Row.Kind))
            .Select(g => Group(g.Key.Path, g.Key.Kind, g.Max(r => r.Severity), [.. g.Select(r => r.Row)]))
            .ToList();
        var sorted = query.Sort switch
        {
            SummarySort.Count => groups.OrderByDescending(g => g.Group.Count),
            SummarySort.Rate => groups.OrderByDescending(g => g.Group.Rate).ThenByDescending(g => g.Group.Count),
            SummarySort.LastSeen => groups.OrderByDescending(g => g.Group.LastSeen),
            SummarySort.FirstSeen => groups.OrderByDescending(g => g.Group.FirstSeen),
            SummarySort.Endpoint => groups.OrderBy(g => g.Group.Endpoints[0].Endpoint, StringComparer.Ordinal),
            SummarySort.Path => groups.OrderBy(g => g.Group.Path, StringComparer.Ordinal),
            _ => groups.OrderByDescending(g => Standing(g.Group.IsNoise, g.Severity)).ThenByDescending(g => g.Group.Count),
        };
        var page = sorted
            .ThenBy(g => g.Group.Path, StringComparer.Ordinal).ThenBy(g => g.Group.Kind, StringComparer.Ordinal)
            .Skip(query.Offset).Take(query.Limit)
            .Select(g => g.Group)
            .ToList();
        return new DiffSummaryGroupPage(groups.Count, query.Offset, query.Limit, "path", page);
    }

    private static List<(DiffSummaryRow Row, DiffSeverity Severity)> Rank(IReadOnlyList<DiffSummaryRow> rows, SeverityRules rules, DiffSeverity? minimum)
    {
        var ranked = new List<(DiffSummaryRow, DiffSeverity)>(rows.Count);
        foreach (var row in rows)
        {
            var severity = rules.Classify(row.Path, row.Kind);
            if (minimum is null || severity >= minimum)
            {
                ranked.Add((row, severity));
            }
        }

        return ranked;
    }

    // Noise below every real difference, then by severity.
    private static int Standing(bool isNoise, DiffSeverity severity) => isNoise ? -1 : (int)severity;

    private static (DiffSummaryGroup Group, DiffSeverity Severity) Group(string path, string kind, DiffSeverity severity, IReadOnlyList<DiffSummaryRow> rows)
    {
        long count = 0, noise = 0;
        double comparisons = 0, affected = 0;
        var endpoints = new List<GroupEndpoint>();
        foreach (var members in rows.GroupBy(r => r.Endpoint, StringComparer.Ordinal))
        {
            var top = members.OrderByDescending(r => r.Count).ThenBy(r => r.Path, StringComparer.Ordinal).First();
            var endpointCount = members.Sum(r => r.Count);
            count += endpointCount;
            noise += members.Sum(r => r.NoiseCount);

            // A row's rate is its count over its endpoint's comparisons: that gives the comparisons back.
            var endpointComparisons = top.Rate > 0 ? top.Count / top.Rate : 0;
            comparisons += endpointComparisons;
            affected += top.Rate * endpointComparisons;
            endpoints.Add(new GroupEndpoint(members.Key, top.Path, endpointCount, top.Rate, members.All(r => r.IsNoise),
                [.. members.SelectMany(r => r.SampleIds).Distinct().Order().Take(MaxSampleIds)]));
        }

        endpoints.Sort((a, b) => a.Count != b.Count ? b.Count.CompareTo(a.Count) : string.CompareOrdinal(a.Endpoint, b.Endpoint));
        var group = new DiffSummaryGroup(
            path,
            rows.Select(r => r.Path).Distinct(StringComparer.Ordinal).Count(),
            kind,
            DiffSeverities.Name(severity),
            count,
            noise,
            comparisons > 0 ? affected / comparisons : 0,
            rows.All(r => r.IsNoise),
            rows.Min(r => r.FirstSeen),
            rows.Max(r => r.LastSeen),
            endpoints);
        return (group, severity);
    }
}
