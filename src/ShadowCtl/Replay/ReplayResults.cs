using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Replay;

namespace ShadowCtl.Replay;

/// <summary>How one exchange fared: <c>match</c>, <c>noise</c> (differences only where noise is), <c>differ</c>, or <c>skipped</c>.</summary>
internal sealed record ExchangeResult(
    RecordedExchange Exchange,
    string Outcome,
    int? TargetStatus,
    string? TargetFailure,
    double DurationMs,
    IReadOnlyList<Difference> Differences,
    bool DifferencesTruncated,
    string? SkipReason = null,
    bool Unanswered = false)
{
    public const string Match = "match";
    public const string Noise = "noise";
    public const string Differ = "differ";
    public const string Skipped = "skipped";

    public bool Failed => Outcome == Differ;

    /// <summary>How the request reads in a table or a test name: <c>GET /api/orders/7?x=1</c>.</summary>
    public string Request => $"{Exchange.Request.Method} {Exchange.Request.Path}{Exchange.Request.Query}";

    public static ExchangeResult From(RecordedExchange exchange, ShadowProxy.Core.Comparison.CapturedResponse target, ComparisonResult result) => new(
        exchange,
        result.Outcome switch { ComparisonOutcome.Match => Match, ComparisonOutcome.Noise => Noise, _ => Differ },
        target.Failure == ShadowProxy.Core.Comparison.BackendFailure.None ? target.StatusCode : null,
        target.Failure == ShadowProxy.Core.Comparison.BackendFailure.None ? null : target.FailureDetail ?? target.Failure.ToString(),
        target.Duration.TotalMilliseconds,
        result.Differences,
        result.DifferencesTruncated,
        Unanswered: target.Failure is ShadowProxy.Core.Comparison.BackendFailure.ConnectionError or ShadowProxy.Core.Comparison.BackendFailure.Timeout);
}

/// <summary>A replay's outcome: every exchange's result, and the views the table, the JSON and the JUnit file show.</summary>
internal sealed class ReplayResults(string source, string? migration, Uri target, IReadOnlyList<ExchangeResult> exchanges, TimeSpan elapsed)
{
    public string Source { get; } = source;

    public string? Migration { get; } = migration;

    public Uri Target { get; } = target;

    public IReadOnlyList<ExchangeResult> Exchanges { get; } = exchanges;

    public TimeSpan Elapsed { get; } = elapsed;

    public int Replayed => Exchanges.Count(e => e.Outcome != ExchangeResult.Skipped);

    public int Count(string outcome) => Exchanges.Count(e => e.Outcome == outcome);

    public bool HasDifferences => Exchanges.Any(e => e.Failed);

    /// <summary>Per endpoint, in the corpus's order of first appearance.</summary>
    public IEnumerable<IGrouping<string, ExchangeResult>> ByEndpoint => Exchanges.GroupBy(e => e.Exchange.Endpoint, StringComparer.Ordinal);

    /// <summary>Non-noise differences per endpoint and path: what to fix, most widespread first.</summary>
    public IReadOnlyList<PathRow> DifferingPaths() =>
    [
        .. Exchanges
            .Where(e => e.Failed)
            .SelectMany(e => e.Differences.Where(d => !d.IsNoise).Select(d => (Result: e, Difference: d)))
            .GroupBy(x => (x.Result.Exchange.Endpoint, x.Difference.Path, x.Difference.Kind))
            .Select(g => new PathRow(g.Key.Endpoint, g.Key.Path, g.Key.Kind.ToString(), g.Select(x => x.Result).Distinct().Count(), g.First().Difference, g.First().Result))
            .OrderByDescending(r => r.Exchanges)
            .ThenBy(r => r.Endpoint, StringComparer.Ordinal)
            .ThenBy(r => r.Path, StringComparer.Ordinal),
    ];
}

/// <param name="Exchanges">Exchanges of the endpoint that differ at this path.</param>
/// <param name="Example">The first such difference, with <paramref name="ExampleResult"/> its exchange.</param>
internal sealed record PathRow(string Endpoint, string Path, string Kind, int Exchanges, Difference Example, ExchangeResult ExampleResult);
