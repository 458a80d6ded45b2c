using System.Globalization;
using System.Text.Json.Nodes;
using ShadowProxy.Core.Ramp;
using ShadowProxy.Core.Storage;
using StackExchange.Redis;

namespace ShadowProxy.Storage.Redis;

/// <remarks>
/// Noise and version keys (docs/comparison.md#candidate-versions): per-version counts under <c>diff:{m}:</c> (see <see cref="RedisScripts.WriteVersions"/>), the declared
/// version at <c>version:{m}</c>, probe noise at <c>probe:{m}</c> (hash endpoint → JSON array of folded paths).
/// The per-version counts are written right after the batch's counters, by a script of their own.
/// </remarks>
internal sealed partial class RedisStore : ISignalStore
{
    public Task DeclareVersionAsync(string migration, string version, AuditEntry audit, CancellationToken cancellationToken = default) =>
        _redis.RunAsync(async db =>
        {
            var stateVersion = (long?)await db.HashGetAsync(_redis.Key("state:" + migration), "version").ConfigureAwait(false) ?? 0;
            await db.ScriptEvaluateAsync(RedisScripts.DeclareVersion, values:
            [
                _redis.Prefix,
                migration,
                version,
                Serialize(audit with { Version = stateVersion }, RedisJsonContext.Default.AuditEntry),
                _limits.MaxAuditEntries,
            ]).ConfigureAwait(false);
            return true;
        });

    public Task<string?> ReadDeclaredVersionAsync(string migration, CancellationToken cancellationToken = default) =>
        _redis.RunAsync(async db => (string?)await db.StringGetAsync(_redis.Key("version:" + migration)).ConfigureAwait(false));

    public Task<VersionCounts> ReadVersionCountsAsync(string migration, CancellationToken cancellationToken = default) =>
        _redis.RunAsync(async db =>
        {
            var versions = db.HashGetAllAsync(DiffKey(migration, "vv"));
            var endpoints = db.HashGetAllAsync(DiffKey(migration, "ve"));
            var paths = db.HashGetAllAsync(DiffKey(migration, "vc"));
            return new VersionCounts(
                (await versions.ConfigureAwait(false)).Select(e =>
                {
                    var v = Numbers(e.Value);
                    return new VersionInfo(e.Name!, DateTimeOffset.FromUnixTimeMilliseconds(v[0]), DateTimeOffset.FromUnixTimeMilliseconds(v[1]), v[2], v[3]);
                }).OrderBy(v => v.FirstSeen).ToList(),
                (await endpoints.ConfigureAwait(false))
                    .Select(e => (Key: ((string)e.Name!).Split('\t'), Count: (long)e.Value))
                    .GroupBy(e => (e.Key[0], e.Key[2]))
                    .Select(g => new VersionEndpointCount(g.Key.Item1, g.Key.Item2, g.Sum(e => e.Count))).ToList(),
                (await paths.ConfigureAwait(false))
                    .Select(e => (Key: ((string)e.Name!).Split('\t'), Count: (long)e.Value))
                    .GroupBy(e => (e.Key[0], e.Key[2], e.Key[3], e.Key[4]))
                    .Select(g => new VersionPathCount(g.Key.Item1, g.Key.Item2, g.Key.Item3, g.Key.Item4, g.Sum(e => e.Count))).ToList());
        });

    public Task SaveProbeNoiseAsync(string migration, IReadOnlyDictionary<string, IReadOnlyList<string>> noise, CancellationToken cancellationToken = default) =>
        _redis.RunAsync(async db =>
        {
            var key = _redis.Key("probe:" + migration);
            var transaction = db.CreateTransaction();
            _ = transaction.KeyDeleteAsync(key);
            if (noise.Count > 0)
            {
                _ = transaction.HashSetAsync(key, noise.Select(e => new HashEntry(e.Key, new JsonArray(e.Value.Select(p => (JsonNode)p!).ToArray()).ToJsonString())).ToArray());
            }

            await transaction.ExecuteAsync().ConfigureAwait(false);
            return true;
        });

    public Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> ReadProbeNoiseAsync(string migration, CancellationToken cancellationToken = default) =>
        _redis.RunAsync<IReadOnlyDictionary<string, IReadOnlyList<string>>>(async db =>
            (await db.HashGetAllAsync(_redis.Key("probe:" + migration)).ConfigureAwait(false)).ToDictionary(
                e => (string)e.Name!,
                e => (IReadOnlyList<string>)(JsonNode.Parse((string)e.Value!) as JsonArray ?? []).Select(p => (string)p!).ToList(),
                StringComparer.Ordinal));

    /// <summary>The per-version script's input: the folded batch's per-version counts.</summary>
    private string VersionScriptInput(DiffBatch batch) => new JsonObject
    {
        ["p"] = _redis.Prefix + "diff:" + batch.Migration + ":",
        ["o"] = StorageLimits.Overflow,
        ["ttl"] = (long)DiffTtl.TotalSeconds,
        ["maxVersions"] = StorageLimits.MaxVersionsPerMigration,
        ["maxRows"] = _limits.MaxVersionRows,
        ["vers"] = new JsonArray(batch.Versions.Select(e => (JsonNode)new JsonArray(e.Key, UnixMilliseconds(e.Value.First), UnixMilliseconds(e.Value.Last), e.Value.Comparisons, e.Value.Diffs)).ToArray()),
        ["eps"] = new JsonArray(batch.VersionEndpoints.Select(e => (JsonNode)new JsonArray(e.Key.Version, e.Key.Hour, e.Key.Endpoint, e.Value)).ToArray()),
        ["cts"] = new JsonArray(batch.VersionPaths.Select(e => (JsonNode)new JsonArray(e.Key.Version, e.Key.Hour, e.Key.Endpoint, e.Key.Path, e.Key.Kind, e.Value)).ToArray()),
        ["rn"] = new JsonArray(batch.Renames.Select(e => (JsonNode)new JsonArray(e.Key.Endpoint + "\t" + e.Key.Path, e.Value)).ToArray()),
    }.ToJsonString();

    /// <summary>
    /// For <c>version=</c> / <c>since=</c>: count per endpoint⇥path⇥kind and comparisons per endpoint of the comparisons
    /// that match, summed over the per-version hours.
    /// </summary>
    private static async Task<(Dictionary<string, long> Paths, Dictionary<string, long> Totals)?> FilteredCountsAsync(IDatabase db, RedisKey vc, RedisKey ve, SummaryQuery query)
    {
        if (query.Version is null && query.Since is null)
        {
            return null;
        }

        var sinceHour = query.Since is { } since ? since.UtcTicks / TimeSpan.TicksPerHour : long.MinValue;
        bool Matches(string[] key) => (query.Version is null || key[0] == query.Version) && long.Parse(key[1], CultureInfo.InvariantCulture) >= sinceHour;
        var paths = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in await db.HashGetAllAsync(vc).ConfigureAwait(false))
        {
            var key = ((string)entry.Name!).Split('\t');
            if (Matches(key))
            {
                var field = key[2] + "\t" + key[3] + "\t" + key[4];
                paths[field] = paths.GetValueOrDefault(field) + (long)entry.Value;
            }
        }

        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in await db.HashGetAllAsync(ve).ConfigureAwait(false))
        {
            var key = ((string)entry.Name!).Split('\t');
            if (Matches(key))
            {
                totals[key[2]] = totals.GetValueOrDefault(key[2]) + (long)entry.Value;
            }
        }

        return (paths, totals);
    }

    private static long[] Numbers(RedisValue value) => ((string)value!).Split(' ').Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
}
