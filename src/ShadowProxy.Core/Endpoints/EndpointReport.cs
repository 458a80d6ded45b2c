using System.Collections.Concurrent;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Core.Endpoints;

/// <summary>
/// Legacy vs candidate side by side per endpoint, from the mirrored traffic since start: both
/// backends answered the same requests, so their error rates and latencies compare like for like.
/// Bounded: past <see cref="MaxEndpoints"/> per migration, further endpoints count as "(other)".
/// Fed by the host's outcome recorder, the one place every outcome is counted.
/// </summary>
public sealed class EndpointReport
{
    public const int MaxEndpoints = 500;
    public const string OtherEndpoint = "(other)";

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, EndpointTally>> _byMigration = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A shadow call that ended without a response to compare: it counts for its backend's side only.</summary>
    public void RecordFailure(string migration, string endpoint, Backend backend, CapturedResponse failure) =>
        Tally(migration, endpoint).Record(backend, failure);

    /// <summary>A compared pair: both sides, and its verdict (<paramref name="severity"/>: the most severe difference of a diff).</summary>
    public void RecordComparison(string migration, string endpoint, CapturedResponse legacy, CapturedResponse candidate, ComparisonOutcome outcome, DiffSeverity? severity)
    {
        var tally = Tally(migration, endpoint);
        tally.Record(Backend.Legacy, legacy);
        tally.Record(Backend.Candidate, candidate);
        tally.RecordComparison(outcome, severity);
    }

    public IReadOnlyList<EndpointRow> Rows(string migration) =>
        _byMigration.TryGetValue(migration, out var endpoints)
            ? endpoints.OrderByDescending(e => e.Value.Comparisons + e.Value.Legacy.Requests).Select(e => e.Value.ToRow(e.Key)).ToList()
            : [];

    /// <summary>This process's tallies of <paramref name="migration"/> since start, as shared counters (<see cref="CounterKeys"/>), added to <paramref name="into"/>.</summary>
    public void ExportCounters(string migration, Dictionary<string, long> into)
    {
        if (!_byMigration.TryGetValue(migration, out var endpoints))
        {
            return;
        }

        foreach (var (endpoint, tally) in endpoints)
        {
            tally.Export(endpoint, into);
        }
    }

    /// <summary>
    /// Report rows from shared counters (every instance's tallies added up), busiest first, at most <see cref="MaxEndpoints"/>;
    /// each endpoint <paramref name="rename"/>d as it is named today (<see cref="EndpointNamer.Rename"/>), those of one name added up.
    /// </summary>
    public static IReadOnlyList<EndpointRow> RowsFrom(IReadOnlyDictionary<string, long> counters, Func<string, string>? rename = null)
    {
        var byEndpoint = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        foreach (var (key, value) in counters)
        {
            if (CounterKeys.TryParseEndpoint(key, out var endpoint, out var field))
            {
                endpoint = rename?.Invoke(endpoint) ?? endpoint;
                if (!byEndpoint.TryGetValue(endpoint, out var fields))
                {
                    byEndpoint[endpoint] = fields = new Dictionary<string, long>(StringComparer.Ordinal);
                }

                fields[field] = fields.GetValueOrDefault(field) + value;
            }
        }

        return byEndpoint
            .Select(e => EndpointTally.RowFrom(e.Key, e.Value))
            .OrderByDescending(r => r.Comparisons + r.Legacy.Requests)
            .Take(MaxEndpoints)
            .ToList();
    }

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

    // Zeros are not shared counters: nothing to add, nothing to store.
    private static void Add(Dictionary<string, long> into, string key, long value)
    {
        if (value != 0)
        {
            into[key] = into.GetValueOrDefault(key) + value;
        }
    }

    private sealed class EndpointTally
    {
        private long _comparisons;
        private long _diffs;
        private long _noise;

        // Comparisons that differ, by their most severe difference (docs/comparison.md#severity): breaking, risky, cosmetic.
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

        public void Export(string endpoint, Dictionary<string, long> into)
        {
            Add(into, CounterKeys.Endpoint(endpoint, CounterKeys.Fields.Comparisons), Comparisons);
            Add(into, CounterKeys.Endpoint(endpoint, CounterKeys.Fields.Diffs), Interlocked.Read(ref _diffs));
            Add(into, CounterKeys.Endpoint(endpoint, CounterKeys.Fields.Noise), Interlocked.Read(ref _noise));
            foreach (var severity in (ReadOnlySpan<DiffSeverity>)[DiffSeverity.Breaking, DiffSeverity.Risky, DiffSeverity.Cosmetic])
            {
                Add(into, CounterKeys.Endpoint(endpoint, CounterKeys.Fields.Severity(severity)), Interlocked.Read(ref _bySeverity[(int)severity]));
            }

            Legacy.Export(endpoint, legacy: true, into);
            Candidate.Export(endpoint, legacy: false, into);
        }

        public static EndpointRow RowFrom(string endpoint, IReadOnlyDictionary<string, long> fields)
        {
            var comparisons = fields.GetValueOrDefault(CounterKeys.Fields.Comparisons);
            var diffs = fields.GetValueOrDefault(CounterKeys.Fields.Diffs);
            return new EndpointRow(endpoint, BackendTally.SideFrom(fields, legacy: true), BackendTally.SideFrom(fields, legacy: false), comparisons, diffs,
                fields.GetValueOrDefault(CounterKeys.Fields.Noise), comparisons == 0 ? null : (double)diffs / comparisons)
            {
                Breaking = fields.GetValueOrDefault(CounterKeys.Fields.Severity(DiffSeverity.Breaking)),
                Risky = fields.GetValueOrDefault(CounterKeys.Fields.Severity(DiffSeverity.Risky)),
                Cosmetic = fields.GetValueOrDefault(CounterKeys.Fields.Severity(DiffSeverity.Cosmetic)),
            };
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

        public BackendSide ToSide() => Side(Requests, Interlocked.Read(ref _errors), _latency);

        public void Export(string endpoint, bool legacy, Dictionary<string, long> into)
        {
            Add(into, CounterKeys.Endpoint(endpoint, legacy ? CounterKeys.Fields.LegacyRequests : CounterKeys.Fields.CandidateRequests), Requests);
            Add(into, CounterKeys.Endpoint(endpoint, legacy ? CounterKeys.Fields.LegacyErrors : CounterKeys.Fields.CandidateErrors), Interlocked.Read(ref _errors));
            var buckets = _latency.ExportCounts();
            for (var i = 0; i < buckets.Length; i++)
            {
                Add(into, CounterKeys.Endpoint(endpoint, CounterKeys.Fields.Latency(legacy, i)), buckets[i]);
            }
        }

        public static BackendSide SideFrom(IReadOnlyDictionary<string, long> fields, bool legacy)
        {
            var buckets = new long[LatencyHistogram.BucketCount];
            foreach (var (field, count) in fields)
            {
                if (CounterKeys.TryParseLatency(field, out var isLegacy, out var index) && isLegacy == legacy && index < buckets.Length)
                {
                    buckets[index] = count;
                }
            }

            return Side(
                fields.GetValueOrDefault(legacy ? CounterKeys.Fields.LegacyRequests : CounterKeys.Fields.CandidateRequests),
                fields.GetValueOrDefault(legacy ? CounterKeys.Fields.LegacyErrors : CounterKeys.Fields.CandidateErrors),
                LatencyHistogram.FromCounts(buckets));
        }

        private static BackendSide Side(long requests, long errors, LatencyHistogram latency) =>
            new(requests, errors, requests == 0 ? null : (double)errors / requests,
                Ms(latency.Percentile(50)), Ms(latency.Percentile(95)), Ms(latency.Percentile(99)));

        private static double? Ms(TimeSpan? value) => value is { } v ? Math.Round(v.TotalMilliseconds, 2) : null;
    }
}
