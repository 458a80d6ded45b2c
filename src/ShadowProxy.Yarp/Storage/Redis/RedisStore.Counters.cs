using System.Globalization;
using ShadowProxy.Core.Storage;
using StackExchange.Redis;

namespace ShadowProxy.Storage.Redis;

/// <summary>
/// Shared counters (docs/architecture.md#fleet-mode): one hash per migration (<c>counters:{name}</c>, HINCRBY per counter, in
/// batches of <see cref="MaxFieldsPerCall"/>) kept 30 days after its last write like the diffs, and the
/// rate history as one short string per time slot (<c>history:{name}:{slot}</c>, SET NX, expiring after
/// the span it covers), read back with one MGET.
/// </summary>
internal sealed partial class RedisStore : ICounterStore
{
    private const int MaxFieldsPerCall = 2000;
    private static readonly TimeSpan CountersTtl = TimeSpan.FromDays(30);

    private const string AddCountersScript = """
        for i = 3, #ARGV, 2 do
          redis.call('HINCRBY', ARGV[1], ARGV[i], ARGV[i + 1])
        end
        redis.call('PEXPIRE', ARGV[1], ARGV[2])
        return 1
        """;

    public Task AddCountersAsync(string migration, IReadOnlyList<KeyValuePair<string, long>> deltas, CancellationToken cancellationToken = default) =>
        _redis.RunAsync(async db =>
        {
            for (var start = 0; start < deltas.Count; start += MaxFieldsPerCall)
            {
                var chunk = deltas.Skip(start).Take(MaxFieldsPerCall).ToList();
                var values = new RedisValue[2 + (2 * chunk.Count)];
                values[0] = CountersKey(migration);
                values[1] = (long)CountersTtl.TotalMilliseconds;
                for (var i = 0; i < chunk.Count; i++)
                {
                    values[2 + (2 * i)] = chunk[i].Key;
                    values[3 + (2 * i)] = chunk[i].Value;
                }

                await db.ScriptEvaluateAsync(AddCountersScript, values: values).ConfigureAwait(false);
            }

            return true;
        });

    public Task<IReadOnlyDictionary<string, long>> ReadCountersAsync(string migration, IReadOnlyList<string>? keys = null, CancellationToken cancellationToken = default) =>
        _redis.RunAsync<IReadOnlyDictionary<string, long>>(async db =>
        {
            var result = new Dictionary<string, long>(StringComparer.Ordinal);
            if (keys is null)
            {
                foreach (var entry in await db.HashGetAllAsync(CountersKey(migration)).ConfigureAwait(false))
                {
                    result[entry.Name!] = (long)entry.Value;
                }

                return result;
            }

            var values = await db.HashGetAsync(CountersKey(migration), keys.Select(k => (RedisValue)k).ToArray()).ConfigureAwait(false);
            for (var i = 0; i < keys.Count; i++)
            {
                if (!values[i].IsNull)
                {
                    result[keys[i]] = (long)values[i];
                }
            }

            return result;
        });

    public Task AddRatePointAsync(string migration, long slot, RatePoint point, TimeSpan keep, CancellationToken cancellationToken = default) =>
        _redis.RunAsync(db => db.StringSetAsync(HistoryKey(migration, slot), FormatPoint(point), keep, When.NotExists));

    public Task<IReadOnlyList<RatePoint>> ReadRatePointsAsync(string migration, long fromSlot, long toSlot, CancellationToken cancellationToken = default) =>
        _redis.RunAsync<IReadOnlyList<RatePoint>>(async db =>
        {
            var keys = new RedisKey[Math.Max(0, toSlot - fromSlot + 1)];
            for (var i = 0; i < keys.Length; i++)
            {
                keys[i] = HistoryKey(migration, fromSlot + i);
            }

            var values = await db.StringGetAsync(keys).ConfigureAwait(false);
            return values.Where(v => !v.IsNull).Select(v => ParsePoint(v!)).OfType<RatePoint>().ToList();
        });

    private string CountersKey(string migration) => _redis.Prefix + "counters:" + migration;

    private RedisKey HistoryKey(string migration, long slot) => _redis.Key("history:" + migration + ":" + slot.ToString(CultureInfo.InvariantCulture));

    private static string FormatPoint(RatePoint p) => string.Join(',', new[] { p.Time.UtcTicks, p.LegacyRequests, p.CandidateRequests, p.Match, p.Diff, p.Noise }.Select(v => v.ToString(CultureInfo.InvariantCulture)));

    private static RatePoint? ParsePoint(string text)
    {
        var parts = text.Split(',');
        if (parts.Length != 6 || !parts.All(p => long.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)))
        {
            return null;
        }

        var v = parts.Select(p => long.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        return new RatePoint(new DateTimeOffset(v[0], TimeSpan.Zero), v[1], v[2], v[3], v[4], v[5]);
    }
}
