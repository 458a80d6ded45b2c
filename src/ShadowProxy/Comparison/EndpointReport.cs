using System.Collections.Concurrent;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Endpoints;
using ShadowProxy.Core.Gates;
using ShadowProxy.Migrations;

namespace ShadowProxy.Comparison;

/// <summary>
/// Legacy vs candidate side by side per endpoint, from the mirrored traffic since start: both
/// backends answered the same requests, so their error rates and latencies compare like for like.
/// Bounded: past <see cref="MaxEndpoints"/> per migration, further endpoints count as "(other)".
/// </summary>
internal sealed class EndpointReport : IComparisonSink
{
    public const int MaxEndpoints = 500;
    public const string OtherEndpoint = "(other)";

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, EndpointTally>> _byMigration = new(StringComparer.OrdinalIgnoreCase);

    public EndpointReport(ComparisonQueue queue) =>
        queue.ShadowFailed += (migration, method, routeTemplate, path, backend, response) =>
            Tally(migration, EndpointTemplate.Create(method, routeTemplate, path)).Record(backend, response);

    public void OnCompared(MigrationRuntime migration, ShadowExchange exchange, string endpoint, ComparisonResult result)
    {
        var tally = Tally(exchange.Migration, endpoint);
        tally.Record(Backend.Legacy, exchange.Legacy);
        tally.Record(Backend.Candidate, exchange.Candidate);
        tally.RecordComparison(result.Outcome, result.Outcome == ComparisonOutcome.Diff ? migration.Comparer.Engine.Severity.MostSevere(result) : null);
    }

    public IReadOnlyList<EndpointRow> Rows(string migration) =>
        _byMigration.TryGetValue(migration, out var endpoints)
            ? endpoints.OrderByDescending(e => e.Value.Comparisons + e.Value.Legacy.Requests).Select(e => e.Value.ToRow(e.Key)).ToList()
            : [];

    private EndpointTally Tally(string migration, string endpoint)
    {
        var endpoints = _byMigration.GetOrAdd(migration, _ => new ConcurrentDictionary<string, EndpointTally>(StringComparer.Ordinal));
        if (endpoints.TryGetValue(endpoint, out var tally))
        {
            return tally;
        }

        return endpoints.Count >= MaxEndpoints
            ? endpoints.GetOrAdd(OtherEndpoint, _ => new EndpointTally())
            : endpoints.GetOrAdd(endpoint, _ => new EndpointTally());
    }

    private sealed class EndpointTally
    {
        private long _comparisons;
        private long _diffs;
        private long _noise;

        // Comparisons that differ, by their most severe difference (SPEC §16): breaking, risky, cosmetic.
        private readonly long[] _bySeverity = new long[3];

        public BackendTally Legacy { get; } = new();

        public BackendTally Candidate { get; } = new();

        public long Comparisons => Interlocked.Read(ref _comparisons);

        public void Record(Backend backend, CapturedResponse response) =>
            (backend == Backend.Legacy ? Legacy : Candidate).Record(response);

        public void RecordComparison(ComparisonOutcome outcome, DiffSeverity? severity)
        {
            Interlocked.Increment(ref _comparisons);
            if (outcome == ComparisonOutcome.Diff)
            {
                Interlocked.Increment(ref _diffs);
                Interlocked.Increment(ref _bySeverity[(int)(severity ?? DiffSeverity.Risky)]);
            }
            else if (outcome == ComparisonOutcome.Noise)
            {
                Interlocked.Increment(ref _noise);
            }
        }

        public EndpointRow ToRow(string endpoint)
        {
            var comparisons = Comparisons;
            var diffs = Interlocked.Read(ref _diffs);
            return new EndpointRow(endpoint, Legacy.ToSide(), Candidate.ToSide(), comparisons, diffs, Interlocked.Read(ref _noise),
                comparisons == 0 ? null : (double)diffs / comparisons)
            {
                Breaking = Interlocked.Read(ref _bySeverity[(int)DiffSeverity.Breaking]),
                Risky = Interlocked.Read(ref _bySeverity[(int)DiffSeverity.Risky]),
                Cosmetic = Interlocked.Read(ref _bySeverity[(int)DiffSeverity.Cosmetic]),
            };
        }
    }

    private sealed class BackendTally
    {
        private readonly LatencyHistogram _latency = new();
        private long _requests;
        private long _errors;

        public long Requests => Interlocked.Read(ref _requests);

        public void Record(CapturedResponse response)
        {
            Interlocked.Increment(ref _requests);
            if (response.IsError)
            {
                Interlocked.Increment(ref _errors);
            }

            _latency.Record(response.Duration);
        }

        public BackendSide ToSide()
        {
            var requests = Requests;
            var errors = Interlocked.Read(ref _errors);
            return new BackendSide(requests, errors, requests == 0 ? null : (double)errors / requests,
                Ms(_latency.Percentile(50)), Ms(_latency.Percentile(95)), Ms(_latency.Percentile(99)));
        }

        private static double? Ms(TimeSpan? value) => value is { } v ? Math.Round(v.TotalMilliseconds, 2) : null;
    }
}

/// <summary>One backend's side of a report row; latencies in milliseconds.</summary>
internal sealed record BackendSide(long Requests, long Errors, double? ErrorRate, double? P50Ms, double? P95Ms, double? P99Ms);

internal sealed record EndpointRow(string Endpoint, BackendSide Legacy, BackendSide Candidate, long Comparisons, long Diffs, long Noise, double? DiffRate)
{
    /// <summary>Of <see cref="Diffs"/>, comparisons whose most severe difference is breaking (SPEC §16).</summary>
    public long Breaking { get; init; }

    /// <summary>Of <see cref="Diffs"/>, comparisons whose most severe difference is risky.</summary>
    public long Risky { get; init; }

    /// <summary>Of <see cref="Diffs"/>, comparisons whose differences are all cosmetic.</summary>
    public long Cosmetic { get; init; }
}
