using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Core.Endpoints;

/// <summary>
/// Builds the inventory from shared counters (every instance's, since the first start) and stored extremes: each
/// endpoint renamed as it is named today (what was counted before a template was learned adds up under it), with its
/// coverage from the report's comparison counters. Busiest first, at most <see cref="EndpointInventory.MaxEndpoints"/>.
/// </summary>
public static class InventoryView
{
    public static IReadOnlyList<InventoryEntry> Build(
        IReadOnlyDictionary<string, long> counters,
        IEnumerable<EndpointSeen> seen,
        Func<string, string> rename,
        int minSamples,
        TimeSpan window,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(counters);
        ArgumentNullException.ThrowIfNull(seen);
        ArgumentNullException.ThrowIfNull(rename);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var byEndpoint = new Dictionary<string, Accumulator>(StringComparer.Ordinal);
        Accumulator For(string raw)
        {
            if (!names.TryGetValue(raw, out var name))
            {
                names[raw] = name = rename(raw);
            }

            if (!byEndpoint.TryGetValue(name, out var accumulator))
            {
                byEndpoint[name] = accumulator = new Accumulator();
            }

            return accumulator;
        }

        foreach (var (key, value) in counters)
        {
            if (CounterKeys.TryParseInventory(key, out var endpoint, out var field))
            {
                For(endpoint).Add(field, value);
            }
            else if (CounterKeys.TryParseEndpoint(key, out endpoint, out field))
            {
                if (field == CounterKeys.Fields.Comparisons)
                {
                    For(endpoint).Comparisons += value;
                }
                else if (field == CounterKeys.Fields.Diffs)
                {
                    For(endpoint).Diffs += value;
                }
            }
        }

        foreach (var extremes in seen)
        {
            var accumulator = For(extremes.Endpoint);
            accumulator.Seen = accumulator.Seen?.Merge(extremes) ?? extremes;
        }

        var total = byEndpoint.Values.Sum(a => a.Requests);
        return byEndpoint
            .Where(e => e.Value.Requests > 0)
            .OrderByDescending(e => e.Value.Requests)
            .ThenBy(e => e.Key, StringComparer.Ordinal)
            .Take(EndpointInventory.MaxEndpoints)
            .Select(e => e.Value.ToEntry(e.Key, total, minSamples, window, now))
            .ToList();
    }

    private sealed class Accumulator
    {
        private readonly long[] _classes = new long[InventoryFields.ClassCount];
        private readonly Dictionary<int, long> _statuses = [];
        private readonly Dictionary<string, long> _contentTypes = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, long> _query = new(StringComparer.Ordinal);
        private long[]? _latency;
        private long _responseBytes;
        private long _responseBodies;
        private long _requestBytes;
        private long _requestBodies;

        public long Requests { get; private set; }

        public long Comparisons { get; set; }

        public long Diffs { get; set; }

        public EndpointSeen? Seen { get; set; }

        public void Add(string field, long value)
        {
            switch (field)
            {
                case InventoryFields.Requests:
                    Requests += value;
                    return;
                case InventoryFields.ResponseBytes:
                    _responseBytes += value;
                    return;
                case InventoryFields.ResponseBodies:
                    _responseBodies += value;
                    return;
                case InventoryFields.RequestBytes:
                    _requestBytes += value;
                    return;
                case InventoryFields.RequestBodies:
                    _requestBodies += value;
                    return;
            }

            if (InventoryFields.TryParseClass(field, out var index))
            {
                _classes[index] += value;
            }
            else if (InventoryFields.TryParseStatus(field, out var status))
            {
                _statuses[status] = _statuses.GetValueOrDefault(status) + value;
            }
            else if (field.StartsWith(InventoryFields.ContentTypePrefix, StringComparison.Ordinal))
            {
                AddBounded(_contentTypes, field[InventoryFields.ContentTypePrefix.Length..], value, EndpointInventory.MaxContentTypes);
            }
            else if (field.StartsWith(InventoryFields.QueryPrefix, StringComparison.Ordinal))
            {
                AddBounded(_query, field[InventoryFields.QueryPrefix.Length..], value, EndpointInventory.MaxQueryNames);
            }
            else if (CounterKeys.TryParseLatency(field, out var legacy, out var bucket) && legacy && bucket < LatencyHistogram.BucketCount)
            {
                (_latency ??= new long[LatencyHistogram.BucketCount])[bucket] += value;
            }
        }

        public InventoryEntry ToEntry(string endpoint, long total, int minSamples, TimeSpan window, DateTimeOffset now)
        {
            var space = endpoint.IndexOf(' ', StringComparison.Ordinal);
            var latency = _latency is null ? null : LatencyHistogram.FromCounts(_latency);
            var lastDiff = Seen is { LastDiff: > 0 } s ? new DateTimeOffset(s.LastDiff, TimeSpan.Zero) : (DateTimeOffset?)null;
            return new InventoryEntry
            {
                Method = space > 0 ? endpoint[..space] : string.Empty,
                Template = space > 0 ? endpoint[(space + 1)..] : endpoint,
                Requests = Requests,
                Share = total == 0 ? 0 : Math.Round((double)Requests / total, 4),
                StatusClasses = InventoryFields.ClassNames.Select((name, i) => (name, i)).Where(c => _classes[c.i] > 0).ToDictionary(c => c.name, c => _classes[c.i]),
                Statuses = [.. _statuses.OrderByDescending(e => e.Value).ThenBy(e => e.Key).Take(EndpointInventory.MaxStatuses).Select(e => new StatusCount(e.Key, e.Value))],
                P50Ms = Ms(latency?.Percentile(50)),
                P99Ms = Ms(latency?.Percentile(99)),
                ContentTypes = Top(_contentTypes, EndpointInventory.MaxContentTypes),
                ResponseBytes = _responseBodies == 0 ? null : new BodySize(_responseBytes / _responseBodies, Seen?.MaxResponseBytes ?? 0),
                RequestBytes = _requestBodies == 0 ? null : new BodySize(_requestBytes / _requestBodies, Seen?.MaxRequestBytes ?? 0),
                QueryParameters = Top(_query, EndpointInventory.MaxQueryNames),
                FirstSeen = Seen is { FirstSeen: > 0 } first ? new DateTimeOffset(first.FirstSeen, TimeSpan.Zero) : null,
                LastSeen = Seen is { LastSeen: > 0 } last ? new DateTimeOffset(last.LastSeen, TimeSpan.Zero) : null,
                Comparisons = Comparisons,
                NonNoiseDiffRate = Comparisons == 0 ? null : Math.Round((double)Diffs / Comparisons, 4),
                Verdict = CoverageVerdicts.Of(Comparisons, lastDiff, minSamples, window, now),
            };
        }

        // Several instances (or renamed endpoints) may each bring their own names: the most frequent stay within the bound.
        private static void AddBounded(Dictionary<string, long> into, string name, long value, int max)
        {
            if (into.ContainsKey(name) || into.Count < max * 4)
            {
                into[name] = into.GetValueOrDefault(name) + value;
            }
        }

        private static List<NameCount> Top(Dictionary<string, long> counts, int max) =>
            [.. counts.OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).Take(max).Select(e => new NameCount(e.Key, e.Value))];

        private static double? Ms(TimeSpan? value) => value is { } v ? Math.Round(v.TotalMilliseconds, 2) : null;
    }
}
