using System.Globalization;
using System.Text.Json.Nodes;
using ShadowProxy.Core.Noise;
using ShadowProxy.Core.Storage;
using StackExchange.Redis;

namespace ShadowProxy.Storage.Redis;

/// <remarks>
/// Diff keys of a migration, under <c>diff:{m}:</c>: <c>ep</c> (hash endpoint → "match diff noise"),
/// <c>ct</c> (hash endpoint⇥path⇥kind → "count noise is-noise first-ms last-ms"), <c>ctrows</c>,
/// <c>sp</c> (hash endpoint⇥path → sample ids, oldest first), <c>ids</c> (sorted set of sample ids),
/// <c>sh</c> / <c>sb</c> (hashes id → sample header / payload). Every key carries a TTL
/// (<see cref="DiffTtl"/>, renewed on each write), so the diffs of a migration that stopped getting
/// traffic expire; the <see cref="StorageLimits"/> are enforced atomically by the write script.
/// </remarks>
internal sealed partial class RedisStore
{
    /// <summary>How long a migration's diffs live after its last write.</summary>
    public static readonly TimeSpan DiffTtl = TimeSpan.FromDays(30);

    public Task<DiffWriteResult> WriteAsync(IReadOnlyList<ComparisonRecord> batch, CancellationToken cancellationToken = default)
    {
        if (batch.Count == 0)
        {
            return Task.FromResult(new DiffWriteResult(0, 0));
        }

        return _redis.RunAsync(async db =>
        {
            int stored = 0, evicted = 0;
            foreach (var migration in DiffBatch.ByMigration(batch))
            {
                var result = (RedisResult[])(await db.ScriptEvaluateAsync(RedisScripts.WriteDiffs, values: [DiffScriptInput(migration)]).ConfigureAwait(false))!;
                await db.ScriptEvaluateAsync(RedisScripts.WriteVersions, values: [VersionScriptInput(migration)]).ConfigureAwait(false);
                stored += (int)result[0];
                evicted += (int)result[1];
            }

            return new DiffWriteResult(stored, evicted);
        });
    }

    public Task<DiffSummaryPage> ReadSummaryAsync(string migration, SummaryQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, SummaryQuery.MaxLimit);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Offset);
        return _redis.RunAsync(async db =>
        {
            var counters = db.HashGetAllAsync(DiffKey(migration, "ct"));
            var endpoints = db.HashGetAllAsync(DiffKey(migration, "ep"));
            var samples = db.HashGetAllAsync(DiffKey(migration, "sp"));
            var renames = db.HashGetAllAsync(DiffKey(migration, "rn"));
            var filtered = await FilteredCountsAsync(db, DiffKey(migration, "vc"), DiffKey(migration, "ve"), query).ConfigureAwait(false);
            var totals = filtered?.Totals ?? (await endpoints.ConfigureAwait(false)).ToDictionary(e => (string)e.Name!, e => ParseCounts((string)e.Name!, e.Value).Total, StringComparer.Ordinal);
            var candidatePaths = (await renames.ConfigureAwait(false)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
            var ids = (await samples.ConfigureAwait(false)).ToDictionary(e => (string)e.Name!, e => SampleIds(e.Value), StringComparer.Ordinal);
            var rows = new List<DiffSummaryRow>();
            foreach (var entry in await counters.ConfigureAwait(false))
            {
                var key = ((string)entry.Name!).Split('\t');
                var v = ((string)entry.Value!).Split(' ').Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
                var (endpoint, path, kind) = (key[0], key[1], key[2]);
                var allNoise = v[0] > 0 && v[1] == v[0];
                if (filtered is { } f)
                {
                    // version= / since=: the count under the filter; rows without one are left out.
                    v[0] = f.Paths.GetValueOrDefault((string)entry.Name!);
                    if (v[0] == 0)
                    {
                        continue;
                    }
                }

                var noiseSource = query.Rules is null
                    ? (v[2] == 1 ? "config" : null)
                    : NoiseSources.Name(query.Rules.SourceOf(endpoint, path, kind, wasNoise: allNoise));
                var isNoise = noiseSource is not null;
                if ((query.Endpoint is not null && endpoint != query.Endpoint)
                    || (query.PathContains is not null && !path.Contains(query.PathContains, StringComparison.Ordinal))
                    || (query.Noise is { } noise && isNoise != noise))
                {
                    continue;
                }

                var total = totals.GetValueOrDefault(endpoint);
                rows.Add(new DiffSummaryRow(endpoint, path, kind, v[0], v[1], total > 0 ? (double)v[0] / total : 0.0, isNoise,
                    DateTimeOffset.FromUnixTimeMilliseconds(v[3]), DateTimeOffset.FromUnixTimeMilliseconds(v[4]),
                    ids.GetValueOrDefault(endpoint + "\t" + path, []).Take(_limits.SamplesPerPath).ToList())
                {
                    NoiseSource = noiseSource,
                    CandidatePath = candidatePaths.GetValueOrDefault(endpoint + "\t" + path),
                });
            }

            IOrderedEnumerable<DiffSummaryRow> sorted = query.Sort switch
            {
                SummarySort.Rate => rows.OrderByDescending(r => r.Rate).ThenByDescending(r => r.Count),
                SummarySort.LastSeen => rows.OrderByDescending(r => r.LastSeen),
                SummarySort.FirstSeen => rows.OrderByDescending(r => r.FirstSeen),
                SummarySort.Endpoint => rows.OrderBy(r => r.Endpoint, StringComparer.Ordinal).ThenBy(r => r.Path, StringComparer.Ordinal),
                SummarySort.Path => rows.OrderBy(r => r.Path, StringComparer.Ordinal).ThenBy(r => r.Endpoint, StringComparer.Ordinal),
                _ => rows.OrderByDescending(r => r.Count),
            };
            var page = sorted.ThenBy(r => r.Endpoint, StringComparer.Ordinal).ThenBy(r => r.Path, StringComparer.Ordinal).ThenBy(r => r.Kind, StringComparer.Ordinal)
                .Skip(query.Offset).Take(query.Limit).ToList();
            return new DiffSummaryPage(rows.Count, query.Offset, query.Limit, page);
        });
    }

    public Task<IReadOnlyList<SampleHeader>> ReadSamplesAsync(string migration, SampleQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, SampleQuery.MaxLimit);
        return _redis.RunAsync<IReadOnlyList<SampleHeader>>(async db =>
        {
            var headers = await db.HashGetAllAsync(DiffKey(migration, "sh")).ConfigureAwait(false);
            return headers
                .Select(h => (Id: (long)h.Name, Header: JsonNode.Parse((string)h.Value!)!))
                .Where(h => (query.Before is null || h.Id < query.Before)
                    && (query.Endpoint is null || (string?)h.Header["e"] == query.Endpoint)
                    && (query.Path is null || (h.Header["p"] as JsonArray ?? []).Any(p => (string?)p == query.Path)))
                .OrderByDescending(h => h.Id)
                .Take(query.Limit)
                .Select(h => new SampleHeader(
                    h.Id,
                    DateTimeOffset.FromUnixTimeMilliseconds((long)h.Header["t"]!),
                    (string)h.Header["e"]!,
                    (string)h.Header["m"]!,
                    (string)h.Header["q"]!,
                    (int)h.Header["ls"]!,
                    (int)h.Header["cs"]!,
                    (int)h.Header["dc"]!))
                .ToList();
        });
    }

    public Task<SampleDetail?> ReadSampleAsync(string migration, long id, CancellationToken cancellationToken = default) =>
        _redis.RunAsync(async db =>
        {
            var header = db.HashGetAsync(DiffKey(migration, "sh"), id);
            var body = db.HashGetAsync(DiffKey(migration, "sb"), id);
            if ((await header.ConfigureAwait(false)).IsNullOrEmpty || (await body.ConfigureAwait(false)).IsNullOrEmpty)
            {
                return null;
            }

            var h = JsonNode.Parse((string)header.Result!)!;
            var payload = SamplePayload.Deserialize((string)body.Result!, id);
            return new SampleDetail(id, DateTimeOffset.FromUnixTimeMilliseconds((long)h["t"]!), (string)h["e"]!, payload.Sample, payload.Differences, payload.DifferencesTruncated);
        });

    public Task<ComparisonCounts> ReadCountsAsync(string migration, CancellationToken cancellationToken = default) =>
        _redis.RunAsync(async db =>
        {
            var endpoints = (await db.HashGetAllAsync(DiffKey(migration, "ep")).ConfigureAwait(false))
                .Select(e => ParseCounts((string)e.Name!, e.Value))
                .OrderBy(e => e.Endpoint, StringComparer.Ordinal)
                .ToList();
            return new ComparisonCounts(endpoints.Sum(e => e.Match), endpoints.Sum(e => e.Diff), endpoints.Sum(e => e.Noise), endpoints);
        });

    public Task<IReadOnlyList<SampleCoverage>> ReadSampleCoverageAsync(CancellationToken cancellationToken = default) =>
        _redis.RunAsync<IReadOnlyList<SampleCoverage>>(async db =>
        {
            var result = new List<SampleCoverage>();
            foreach (var migration in await db.SetMembersAsync(_redis.Key("diff:migrations")).ConfigureAwait(false))
            {
                foreach (var entry in await db.HashGetAllAsync(DiffKey(migration!, "sp")).ConfigureAwait(false))
                {
                    var key = ((string)entry.Name!).Split('\t', 2);
                    result.Add(new SampleCoverage(migration!, key[0], key[1], SampleIds(entry.Value).Count));
                }
            }

            return result;
        });

    private RedisKey DiffKey(string migration, string name) => _redis.Key("diff:" + migration + ":" + name);

    private static EndpointCounts ParseCounts(string endpoint, RedisValue value)
    {
        var v = ((string)value!).Split(' ');
        return new EndpointCounts(endpoint, long.Parse(v[0], CultureInfo.InvariantCulture), long.Parse(v[1], CultureInfo.InvariantCulture), long.Parse(v[2], CultureInfo.InvariantCulture));
    }

    private static List<long> SampleIds(RedisValue value) =>
        ((string?)value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(id => long.Parse(id, CultureInfo.InvariantCulture)).ToList();

    /// <summary>The write script's input: the folded batch's endpoint and counter deltas, and its samples.</summary>
    private string DiffScriptInput(DiffBatch batch)
    {
        var samples = new JsonArray();
        foreach (var candidate in batch.Samples)
        {
            var record = candidate.Record;
            var sample = record.Sample!;
            var paths = new JsonArray(candidate.Paths.Select(p => (JsonNode)new JsonArray(p.Path, p.Kind)).ToArray());
            samples.Add(new JsonArray(record.Endpoint, paths, record.Timestamp.ToUnixTimeMilliseconds(), sample.Request.Method, sample.Request.Path + sample.Request.Query,
                sample.Legacy.Status, sample.Candidate.Status, record.Differences.Count, candidate.Payload()));
        }

        return new JsonObject
        {
            ["p"] = _redis.Prefix + "diff:" + batch.Migration + ":",
            ["m"] = batch.Migration,
            ["migrations"] = _redis.Prefix + "diff:migrations",
            ["seq"] = _redis.Prefix + "diff:seq",
            ["o"] = StorageLimits.Overflow,
            ["ttl"] = (long)DiffTtl.TotalSeconds,
            ["maxEp"] = StorageLimits.MaxEndpointsPerMigration,
            ["maxPaths"] = _limits.MaxPathsPerMigration,
            ["perPath"] = _limits.SamplesPerPath,
            ["maxSamples"] = _limits.MaxSamplesPerMigration,
            ["eps"] = new JsonArray(batch.Endpoints.Select(e => (JsonNode)new JsonArray(e.Key, e.Value.Match, e.Value.Diff, e.Value.Noise)).ToArray()),
            ["cts"] = new JsonArray(batch.Counters.Select(c => (JsonNode)new JsonArray(
                c.Key.Endpoint, c.Key.Path, c.Key.Kind, c.Value.Count, c.Value.Noise, c.Value.LastIsNoise ? 1 : 0, UnixMilliseconds(c.Value.First), UnixMilliseconds(c.Value.Last))).ToArray()),
            ["smp"] = samples,
        }.ToJsonString();
    }

    /// <summary>UTC ticks as the Unix milliseconds Redis keeps times in.</summary>
    private static long UnixMilliseconds(long utcTicks) => new DateTimeOffset(utcTicks, TimeSpan.Zero).ToUnixTimeMilliseconds();
}
