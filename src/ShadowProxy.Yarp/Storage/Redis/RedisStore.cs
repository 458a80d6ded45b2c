using System.Text.Json;
using System.Text.Json.Serialization;
using ShadowProxy.Configuration;
using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Ramp;
using ShadowProxy.Core.Storage;
using StackExchange.Redis;

namespace ShadowProxy.Storage.Redis;

/// <summary>
/// Fleet mode's store (docs/architecture.md#fleet-mode): ramp state, audit, noise marks and diffs in one Redis, shared by every
/// instance. A ramp state is a versioned record written by compare-and-set on its version and published
/// on the <see cref="StateChannel"/> in the same script; noise marks are published on <see cref="NoiseChannel"/>.
/// </summary>
/// <remarks>
/// Keys under the prefix: <c>state:{m}</c> (hash version, json), <c>states</c> (set of names),
/// <c>audit</c> (hash id → entry), <c>audit:ids</c> and <c>audit:ids:{m}</c> (sorted sets of ids, for
/// paging), <c>audit:seq</c>, <c>noise:{m}</c> (hash endpoint⇥path → mark), <c>diff:{m}:*</c> (see
/// RedisStore.Diffs), <c>gates:{m}</c> and <c>gates:{m}:{instance}</c> (gate windows), <c>lease</c>.
/// </remarks>
internal sealed partial class RedisStore : IStateStore, IDiffStore
{
    /// <summary>Mode of <see cref="RedisScripts.SaveState"/>.</summary>
    private const string CompareAndSet = "cas", IfNewer = "newer";

    private readonly RedisConnection _redis;
    private readonly StorageLimits _limits;
    private readonly TimeProvider _time;

    public RedisStore(RedisConnection redis, StoreOptions options, TimeProvider time)
    {
        _redis = redis;
        _limits = options.Limits();
        _time = time;
        StateChannel = redis.Channel("events:state");
        NoiseChannel = redis.Channel("events:noise");
    }

    /// <summary>Every saved ramp state is published here as its JSON.</summary>
    public RedisChannel StateChannel { get; }

    /// <summary>The name of a migration whose noise marks changed is published here.</summary>
    public RedisChannel NoiseChannel { get; }

    public RedisConnection Connection => _redis;

    // ---- state ----

    public Task<IReadOnlyList<RampState>> LoadStatesAsync(CancellationToken cancellationToken = default) =>
        _redis.RunAsync<IReadOnlyList<RampState>>(async db =>
        {
            var names = await db.SetMembersAsync(_redis.Key("states")).ConfigureAwait(false);
            var states = await Task.WhenAll(names.Select(n => LoadStateAsync(db, n!))).ConfigureAwait(false);
            return states.OfType<RampState>().OrderBy(s => s.Migration, StringComparer.Ordinal).ToList();
        });

    public Task<RampState?> LoadStateAsync(string migration, CancellationToken cancellationToken = default) =>
        _redis.RunAsync(db => LoadStateAsync(db, migration));

    /// <summary>Saves when <paramref name="state"/> is newer than what Redis holds (the highest version wins).</summary>
    public Task SaveStateAsync(RampState state, AuditEntry? audit, CancellationToken cancellationToken = default) =>
        SaveAsync(state, audit, IfNewer);

    /// <summary>
    /// Saves <paramref name="state"/> only over its predecessor (version − 1, or nothing stored) and
    /// publishes it; else returns the state Redis holds, which the caller applies and retries on.
    /// </summary>
    public Task<RampState?> CompareAndSaveAsync(RampState state, AuditEntry? audit) => SaveAsync(state, audit, CompareAndSet);

    private Task<RampState?> SaveAsync(RampState state, AuditEntry? audit, string mode) =>
        _redis.RunAsync(async db =>
        {
            var result = (RedisResult[])(await db.ScriptEvaluateAsync(RedisScripts.SaveState, values:
            [
                _redis.Prefix,
                state.Migration,
                state.Version,
                Serialize(state, RedisJsonContext.Default.RampState),
                mode,
                audit is null ? string.Empty : Serialize(audit, RedisJsonContext.Default.AuditEntry),
                _limits.MaxAuditEntries,
                StateChannel.ToString(),
            ]).ConfigureAwait(false))!;
            return (int)result[0] == 1 ? null : Deserialize((string?)result[1], RedisJsonContext.Default.RampState);
        });

    private async Task<RampState?> LoadStateAsync(IDatabase db, string migration) =>
        Deserialize(await db.HashGetAsync(_redis.Key("state:" + migration), "json").ConfigureAwait(false), RedisJsonContext.Default.RampState);

    /// <summary>A state as published on <see cref="StateChannel"/>.</summary>
    public static RampState? ParseState(string? json) => Deserialize(json, RedisJsonContext.Default.RampState);

    // ---- audit ----

    public Task<IReadOnlyList<StoredAuditEntry>> ReadAuditAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, AuditQuery.MaxLimit);
        return _redis.RunAsync<IReadOnlyList<StoredAuditEntry>>(async db =>
        {
            var index = _redis.Key(query.Migration is null ? "audit:ids" : "audit:ids:" + query.Migration);
            var ids = await db.SortedSetRangeByScoreAsync(index, double.NegativeInfinity, query.Before ?? double.PositiveInfinity,
                query.Before is null ? Exclude.None : Exclude.Stop, Order.Descending, 0, query.Limit).ConfigureAwait(false);
            if (ids.Length == 0)
            {
                return [];
            }

            var entries = await db.HashGetAsync(_redis.Key("audit"), ids).ConfigureAwait(false);
            var result = new List<StoredAuditEntry>(ids.Length);
            for (var i = 0; i < ids.Length; i++)
            {
                if (Deserialize(entries[i], RedisJsonContext.Default.AuditEntry) is { } entry)
                {
                    result.Add(new StoredAuditEntry((long)ids[i], entry));
                }
            }

            return result;
        });
    }

    // ---- noise marks ----

    public Task<IReadOnlyList<NoiseMark>> ReadNoiseMarksAsync(string migration, CancellationToken cancellationToken = default) =>
        _redis.RunAsync<IReadOnlyList<NoiseMark>>(async db =>
        {
            var entries = await db.HashValuesAsync(_redis.Key("noise:" + migration)).ConfigureAwait(false);
            return entries.Select(e => Deserialize(e, RedisJsonContext.Default.NoiseMark)!)
                .OrderBy(m => m.Path, StringComparer.Ordinal)
                .ThenBy(m => m.Endpoint ?? string.Empty, StringComparer.Ordinal)
                .ToList();
        });

    public Task<bool> AddNoiseMarkAsync(NoiseMark mark, string? reason = null, CancellationToken cancellationToken = default) =>
        ChangeNoiseAsync("add", mark.Migration, mark.Path, mark.Endpoint, Serialize(mark, RedisJsonContext.Default.NoiseMark),
            version => NoiseAuditActions.Entry(NoiseAuditActions.Mark, mark.Migration, mark.Path, mark.Endpoint, mark.Actor, mark.CreatedAt, reason, version));

    public Task<bool> RemoveNoiseMarkAsync(NoiseMarkRemoval removal, CancellationToken cancellationToken = default) =>
        ChangeNoiseAsync("remove", removal.Migration, removal.Path, removal.Endpoint, string.Empty,
            version => NoiseAuditActions.Entry(NoiseAuditActions.Unmark, removal.Migration, removal.Path, removal.Endpoint, removal.Actor, removal.At, removal.Reason, version));

    private Task<bool> ChangeNoiseAsync(string op, string migration, string path, string? endpoint, string markJson, Func<long, AuditEntry> audit) =>
        _redis.RunAsync(async db =>
        {
            // Noise marks do not change the ramp state: the entry names the version in force.
            var version = (long?)await db.HashGetAsync(_redis.Key("state:" + migration), "version").ConfigureAwait(false) ?? 0;
            var changed = await db.ScriptEvaluateAsync(RedisScripts.ChangeNoise, values:
            [
                _redis.Prefix,
                migration,
                op,
                (endpoint ?? string.Empty) + "\t" + path,
                markJson,
                Serialize(audit(version), RedisJsonContext.Default.AuditEntry),
                _limits.MaxAuditEntries,
                NoiseChannel.ToString(),
            ]).ConfigureAwait(false);
            return (int)changed == 1;
        });

    // ---- gate windows ----

    /// <summary>
    /// Publishes this instance's window of <paramref name="migration"/> (kept for <paramref name="ttl"/>)
    /// and returns the windows the other live instances published.
    /// </summary>
    public Task<IReadOnlyList<WindowStats>> ExchangeWindowsAsync(string migration, string instance, WindowStats local, TimeSpan ttl) =>
        _redis.RunAsync<IReadOnlyList<WindowStats>>(async db =>
        {
            var result = (RedisResult[])(await db.ScriptEvaluateAsync(RedisScripts.ExchangeWindows, values:
            [
                _redis.Prefix + "gates:" + migration,
                _redis.Prefix + "gates:" + migration + ":",
                instance,
                Serialize(FleetWindow.From(local), RedisJsonContext.Default.FleetWindow),
                (long)ttl.TotalMilliseconds,
                _time.GetUtcNow().ToUnixTimeMilliseconds(),
            ]).ConfigureAwait(false))!;
            return result.Select(r => Deserialize((string?)r, RedisJsonContext.Default.FleetWindow)?.ToStats() ?? WindowStats.Empty).ToList();
        });

    // ---- lease ----

    /// <summary>Takes the decider lease, or renews it when <paramref name="holder"/> has it; true when held for <paramref name="ttl"/>.</summary>
    public Task<bool> AcquireLeaseAsync(string holder, TimeSpan ttl) =>
        _redis.RunAsync(async db => (int)await db.ScriptEvaluateAsync(RedisScripts.AcquireLease, values: [_redis.Prefix + "lease", holder, (long)ttl.TotalMilliseconds]).ConfigureAwait(false) == 1);

    public Task ReleaseLeaseAsync(string holder) =>
        _redis.RunAsync(db => db.ScriptEvaluateAsync(RedisScripts.ReleaseLease, values: [_redis.Prefix + "lease", holder]));

    public Task<string?> LeaseHolderAsync() =>
        _redis.RunAsync(async db => (string?)await db.StringGetAsync(_redis.Key("lease")).ConfigureAwait(false));

    // ---- plumbing ----

    private static string Serialize<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) => JsonSerializer.Serialize(value, type);

    private static T? Deserialize<T>(RedisValue value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class =>
        value.IsNullOrEmpty ? null : JsonSerializer.Deserialize((string)value!, type);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(RampState))]
[JsonSerializable(typeof(AuditEntry))]
[JsonSerializable(typeof(NoiseMark))]
[JsonSerializable(typeof(FleetWindow))]
internal sealed partial class RedisJsonContext : JsonSerializerContext;
