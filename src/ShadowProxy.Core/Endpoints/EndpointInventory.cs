using System.Collections.Concurrent;
using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Core.Endpoints;

/// <summary>
/// What this process has seen of each endpoint of each migration, whoever served it (docs/admin-api.md#endpoint-inventory):
/// requests, status classes and exact statuses, legacy latency, body sizes, response content types, query parameter
/// names, first and last seen, the last difference. Fed by the host's outcome recorder for every request of a migration
/// (audits included); exported as shared counters (<see cref="ExportCounters"/>) and extremes (<see cref="ExportSeen"/>)
/// so that the inventory is fleet-wide and survives restarts. Bounded everywhere: <see cref="MaxEndpoints"/> per
/// migration (then <see cref="OtherEndpoint"/>), <see cref="MaxStatuses"/>, <see cref="MaxContentTypes"/> and
/// <see cref="MaxQueryNames"/> per endpoint. Recording a known endpoint allocates nothing.
/// </summary>
public sealed class EndpointInventory
{
    public const int MaxEndpoints = 500;
    public const int MaxStatuses = 16;
    public const int MaxContentTypes = 8;
    public const int MaxQueryNames = 32;
    public const int MaxQueryNameLength = 64;
    public const int MaxContentTypeLength = 100;
    public const string OtherEndpoint = EndpointReport.OtherEndpoint;

    private readonly ConcurrentDictionary<string, Endpoints> _byMigration = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Counts one request of <paramref name="endpoint"/>.</summary>
    public void Record(string migration, string endpoint, in EndpointObservation observation) =>
        Tally(migration, endpoint).Record(observation);

    /// <summary>A comparison of <paramref name="endpoint"/> found a difference that is not noise, at <paramref name="at"/>.</summary>
    public void RecordDiff(string migration, string endpoint, DateTimeOffset at) => Tally(migration, endpoint).RecordDiff(at);

    /// <summary>
    /// The exact statuses seen so far for <paramref name="endpoint"/> (unordered; zeros are free slots), or false
    /// when the endpoint is new: what the body sampler asks the sink about before it copies anything.
    /// </summary>
    public bool TryGetStatuses(string migration, string endpoint, out ReadOnlySpan<int> statuses)
    {
        statuses = default;
        if (_byMigration.TryGetValue(migration, out var endpoints) && endpoints.ByName.TryGetValue(endpoint, out var tally))
        {
            statuses = tally.StatusCodes;
            return true;
        }

        return false;
    }

    /// <summary>This process's tallies of <paramref name="migration"/>, as shared counters (<see cref="CounterKeys.Inventory"/>), added to <paramref name="into"/>.</summary>
    public void ExportCounters(string migration, Dictionary<string, long> into)
    {
        if (_byMigration.TryGetValue(migration, out var endpoints))
        {
            foreach (var (endpoint, tally) in endpoints.ByName)
            {
                tally.Export(endpoint, into);
            }
        }
    }

    /// <summary>This process's extremes of <paramref name="migration"/> (first and last seen, last difference, largest bodies).</summary>
    public IReadOnlyList<EndpointSeen> ExportSeen(string migration) =>
        _byMigration.TryGetValue(migration, out var endpoints) ? [.. endpoints.ByName.Select(e => e.Value.Seen(e.Key))] : [];

    /// <summary>Forgets a migration removed by a configuration reload.</summary>
    public void Remove(string migration) => _byMigration.TryRemove(migration, out _);

    private EndpointTally Tally(string migration, string endpoint)
    {
        var endpoints = _byMigration.GetOrAdd(migration, static _ => new Endpoints());
        if (endpoints.ByName.TryGetValue(endpoint, out var tally))
        {
            return tally;
        }

        // ConcurrentDictionary.Count takes every lock: an approximate count bounds it instead.
        if (Volatile.Read(ref endpoints.Count) >= MaxEndpoints)
        {
            endpoint = OtherEndpoint;
        }

        var created = new EndpointTally();
        var added = endpoints.ByName.GetOrAdd(endpoint, created);
        if (ReferenceEquals(added, created))
        {
            Interlocked.Increment(ref endpoints.Count);
        }

        return added;
    }

    private sealed class Endpoints
    {
        public readonly ConcurrentDictionary<string, EndpointTally> ByName = new(StringComparer.Ordinal);
        public int Count;
    }

    /// <summary>One endpoint's counts; every member is lock-free.</summary>
    private sealed class EndpointTally
    {
        private readonly long[] _classes = new long[InventoryFields.ClassCount];
        private readonly int[] _statusCodes = new int[MaxStatuses];
        private readonly long[] _statusCounts = new long[MaxStatuses];
        private readonly BoundedCounts _contentTypes = new(MaxContentTypes, StringComparer.OrdinalIgnoreCase);
        private readonly BoundedCounts _queryNames = new(MaxQueryNames, StringComparer.Ordinal);
        private LatencyHistogram? _legacyLatency;
        private long _requests;
        private long _responseBytes;
        private long _responseBodies;
        private long _maxResponseBytes;
        private long _requestBytes;
        private long _requestBodies;
        private long _maxRequestBytes;
        private long _firstSeen = long.MaxValue;
        private long _lastSeen;
        private long _lastDiff;

        public ReadOnlySpan<int> StatusCodes => _statusCodes;

        public void Record(in EndpointObservation observation)
        {
            Interlocked.Increment(ref _requests);
            Interlocked.Increment(ref _classes[InventoryFields.ClassOf(observation.Status)]);
            if (observation.Status > 0)
            {
                CountStatus(observation.Status);
            }

            if (observation.Legacy)
            {
                (Volatile.Read(ref _legacyLatency) ?? CreateHistogram()).Record(observation.Elapsed);
            }

            if (observation.ResponseBytes is { } responseBytes and >= 0)
            {
                Interlocked.Add(ref _responseBytes, responseBytes);
                Interlocked.Increment(ref _responseBodies);
                Max(ref _maxResponseBytes, responseBytes);
            }

            if (observation.RequestBytes is { } requestBytes and > 0)
            {
                Interlocked.Add(ref _requestBytes, requestBytes);
                Interlocked.Increment(ref _requestBodies);
                Max(ref _maxRequestBytes, requestBytes);
            }

            var contentType = InventoryFields.MediaType(observation.ContentType);
            if (!contentType.IsEmpty && contentType.Length <= MaxContentTypeLength && !contentType.Contains('\t'))
            {
                _contentTypes.Increment(contentType);
            }

            CountQueryNames(observation.Query);
            var ticks = observation.At.UtcTicks;
            Min(ref _firstSeen, ticks);
            Max(ref _lastSeen, ticks);
        }

        public void RecordDiff(DateTimeOffset at) => Max(ref _lastDiff, at.UtcTicks);

        public EndpointSeen Seen(string endpoint)
        {
            var first = Interlocked.Read(ref _firstSeen);
            return new EndpointSeen(endpoint, first == long.MaxValue ? 0 : first, Interlocked.Read(ref _lastSeen), Interlocked.Read(ref _lastDiff),
                Interlocked.Read(ref _maxResponseBytes), Interlocked.Read(ref _maxRequestBytes));
        }

        public void Export(string endpoint, Dictionary<string, long> into)
        {
            Add(into, endpoint, InventoryFields.Requests, Interlocked.Read(ref _requests));
            for (var i = 0; i < _classes.Length; i++)
            {
                Add(into, endpoint, InventoryFields.Class(i), Interlocked.Read(ref _classes[i]));
            }

            for (var i = 0; i < MaxStatuses; i++)
            {
                var code = Volatile.Read(ref _statusCodes[i]);
                if (code > 0)
                {
                    Add(into, endpoint, InventoryFields.Status(code), Interlocked.Read(ref _statusCounts[i]));
                }
            }

            if (Volatile.Read(ref _legacyLatency) is { } latency)
            {
                var buckets = latency.ExportCounts();
                for (var i = 0; i < buckets.Length; i++)
                {
                    Add(into, endpoint, CounterKeys.Fields.Latency(legacy: true, i), buckets[i]);
                }
            }

            Add(into, endpoint, InventoryFields.ResponseBytes, Interlocked.Read(ref _responseBytes));
            Add(into, endpoint, InventoryFields.ResponseBodies, Interlocked.Read(ref _responseBodies));
            Add(into, endpoint, InventoryFields.RequestBytes, Interlocked.Read(ref _requestBytes));
            Add(into, endpoint, InventoryFields.RequestBodies, Interlocked.Read(ref _requestBodies));
            foreach (var (type, count) in _contentTypes.Snapshot())
            {
                Add(into, endpoint, InventoryFields.ContentTypePrefix + type, count);
            }

            foreach (var (name, count) in _queryNames.Snapshot())
            {
                Add(into, endpoint, InventoryFields.QueryPrefix + name, count);
            }
        }

        private void CountStatus(int status)
        {
            for (var i = 0; i < MaxStatuses; i++)
            {
                var code = Volatile.Read(ref _statusCodes[i]);
                if (code == 0)
                {
                    code = Interlocked.CompareExchange(ref _statusCodes[i], status, 0);
                    if (code == 0)
                    {
                        code = status;
                    }
                }

                if (code == status)
                {
                    Interlocked.Increment(ref _statusCounts[i]);
                    return;
                }
            }
        }

        private void CountQueryNames(string? query)
        {
            if (string.IsNullOrEmpty(query))
            {
                return;
            }

            var rest = query.AsSpan().TrimStart('?');
            foreach (var range in rest.Split('&'))
            {
                var pair = rest[range];
                var equals = pair.IndexOf('=');
                var name = equals >= 0 ? pair[..equals] : pair;
                if (!name.IsEmpty && name.Length <= MaxQueryNameLength && !name.Contains('\t'))
                {
                    _queryNames.Increment(name);
                }
            }
        }

        private LatencyHistogram CreateHistogram()
        {
            Interlocked.CompareExchange(ref _legacyLatency, new LatencyHistogram(), null);
            return _legacyLatency!;
        }

        private static void Add(Dictionary<string, long> into, string endpoint, string field, long value)
        {
            if (value != 0)
            {
                var key = CounterKeys.Inventory(endpoint, field);
                into[key] = into.GetValueOrDefault(key) + value;
            }
        }
    }

    private static void Max(ref long location, long value)
    {
        var current = Interlocked.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private static void Min(ref long location, long value)
    {
        var current = Interlocked.Read(ref location);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>Counts per name, at most a fixed number of names; a name seen before is counted without allocating.</summary>
    private sealed class BoundedCounts
    {
        private readonly ConcurrentDictionary<string, StrongBox> _counts;
        private readonly ConcurrentDictionary<string, StrongBox>.AlternateLookup<ReadOnlySpan<char>> _lookup;
        private readonly int _max;
        private int _count;

        public BoundedCounts(int max, StringComparer comparer)
        {
            _max = max;
            _counts = new ConcurrentDictionary<string, StrongBox>(comparer);
            _lookup = _counts.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        public void Increment(ReadOnlySpan<char> name)
        {
            if (_lookup.TryGetValue(name, out var box))
            {
                Interlocked.Increment(ref box.Value);
                return;
            }

            if (Volatile.Read(ref _count) >= _max)
            {
                return;
            }

            var created = new StrongBox();
            box = _counts.GetOrAdd(name.ToString(), created);
            if (ReferenceEquals(box, created))
            {
                Interlocked.Increment(ref _count);
            }

            Interlocked.Increment(ref box.Value);
        }

        public IEnumerable<(string Name, long Count)> Snapshot() => _counts.Select(e => (e.Key, Interlocked.Read(ref e.Value.Value)));
    }

    private sealed class StrongBox
    {
        public long Value;
    }
}

/// <summary>One request as the inventory counts it.</summary>
/// <param name="Legacy">Legacy answered (its latency counts); false for the candidate.</param>
/// <param name="Status">The response status; 0 when there was none (a transport error or timeout).</param>
/// <param name="ResponseBytes">The response body's length when it was declared (Content-Length).</param>
/// <param name="RequestBytes">The request body's length when declared.</param>
/// <param name="ContentType">The response's Content-Type as sent.</param>
/// <param name="Query">The query string, with or without its <c>?</c>.</param>
public readonly record struct EndpointObservation(
    bool Legacy, int Status, TimeSpan Elapsed, long? ResponseBytes, long? RequestBytes, string? ContentType, string? Query, DateTimeOffset At);

/// <summary>
/// The extremes of one endpoint that do not add up (the store keeps the smallest first, the largest of the rest), in
/// UTC ticks (0 when never) and bytes.
/// </summary>
public sealed record EndpointSeen(string Endpoint, long FirstSeen, long LastSeen, long LastDiff, long MaxResponseBytes, long MaxRequestBytes)
{
    /// <summary>Both combined: earliest first seen, latest of the others.</summary>
    public EndpointSeen Merge(EndpointSeen other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return this with
        {
            FirstSeen = FirstSeen == 0 ? other.FirstSeen : other.FirstSeen == 0 ? FirstSeen : Math.Min(FirstSeen, other.FirstSeen),
            LastSeen = Math.Max(LastSeen, other.LastSeen),
            LastDiff = Math.Max(LastDiff, other.LastDiff),
            MaxResponseBytes = Math.Max(MaxResponseBytes, other.MaxResponseBytes),
            MaxRequestBytes = Math.Max(MaxRequestBytes, other.MaxRequestBytes),
        };
    }
}
