using System.Globalization;
using ShadowProxy.Core.Endpoints;
using ShadowProxy.Core.Storage;
using StackExchange.Redis;

namespace ShadowProxy.Storage.Redis;

/// <remarks>
/// Learned endpoint templates at <c>folds:{m}</c> (hash fold → kept literals, HSETNX: the first instance to store a fold
/// wins) and the inventory's extremes at <c>seen:{m}</c> (hash endpoint → "first last lastDiff maxResponse maxRequest", times in
/// milliseconds,
/// merged by a script), both bounded and kept 30 days after their last write like the counters.
/// </remarks>
internal sealed partial class RedisStore : IEndpointStore
{
    private const string AddFoldsScript = """
        for i = 3, #ARGV, 2 do
          if redis.call('HLEN', ARGV[1]) < tonumber(ARGV[2]) then
            redis.call('HSETNX', ARGV[1], ARGV[i], ARGV[i + 1])
          end
        end
        redis.call('PEXPIRE', ARGV[1], 2592000000)
        return 1
        """;

    private const string AddSeenScript = """
        local function merge(old, new)
          local o, n = {}, {}
          for v in string.gmatch(old, '%S+') do o[#o + 1] = tonumber(v) end
          for v in string.gmatch(new, '%S+') do n[#n + 1] = tonumber(v) end
          local first = o[1]
          if first == 0 or (n[1] ~= 0 and n[1] < first) then first = n[1] end
          return string.format('%d %d %d %d %d', first, math.max(o[2], n[2]), math.max(o[3], n[3]), math.max(o[4], n[4]), math.max(o[5], n[5]))
        end
        for i = 3, #ARGV, 2 do
          local old = redis.call('HGET', ARGV[1], ARGV[i])
          if old then
            redis.call('HSET', ARGV[1], ARGV[i], merge(old, ARGV[i + 1]))
          elseif redis.call('HLEN', ARGV[1]) < tonumber(ARGV[2]) then
            redis.call('HSET', ARGV[1], ARGV[i], ARGV[i + 1])
          end
        end
        redis.call('PEXPIRE', ARGV[1], 2592000000)
        return 1
        """;

    public Task AddFoldsAsync(string migration, IReadOnlyList<LearnedFold> folds, CancellationToken cancellationToken = default) =>
        _redis.RunAsync(async db =>
        {
            RedisValue[] values = [_redis.Key("folds:" + migration).ToString(), IEndpointStore.MaxFolds,
                .. folds.SelectMany(f => new RedisValue[] { f.Key, string.Join(' ', f.Kept) })];
            await db.ScriptEvaluateAsync(AddFoldsScript, values: values).ConfigureAwait(false);
            return true;
        });

    public Task<IReadOnlyList<LearnedFold>> ReadFoldsAsync(string migration, CancellationToken cancellationToken = default) =>
        _redis.RunAsync<IReadOnlyList<LearnedFold>>(async db =>
            [.. (await db.HashGetAllAsync(_redis.Key("folds:" + migration)).ConfigureAwait(false))
                .Select(e => LearnedFold.TryParse(e.Name!, e.Value!, out var fold) ? fold : null).OfType<LearnedFold>()]);

    public Task AddSeenAsync(string migration, IReadOnlyList<EndpointSeen> seen, CancellationToken cancellationToken = default) =>
        _redis.RunAsync(async db =>
        {
            RedisValue[] values = [_redis.Key("seen:" + migration).ToString(), IEndpointStore.MaxSeen,
                .. seen.SelectMany(s => new RedisValue[] { s.Endpoint, string.Create(CultureInfo.InvariantCulture, $"{Ms(s.FirstSeen)} {Ms(s.LastSeen)} {Ms(s.LastDiff)} {s.MaxResponseBytes} {s.MaxRequestBytes}") })];
            await db.ScriptEvaluateAsync(AddSeenScript, values: values).ConfigureAwait(false);
            return true;
        });

    public Task<IReadOnlyList<EndpointSeen>> ReadSeenAsync(string migration, CancellationToken cancellationToken = default) =>
        _redis.RunAsync<IReadOnlyList<EndpointSeen>>(async db =>
            [.. (await db.HashGetAllAsync(_redis.Key("seen:" + migration)).ConfigureAwait(false)).Select(e =>
            {
                var v = Numbers(e.Value);
                return new EndpointSeen(e.Name!, Ticks(v[0]), Ticks(v[1]), Ticks(v[2]), v[3], v[4]);
            })]);

    // Lua's numbers are doubles: times go as milliseconds since 0001-01-01 (exact), not ticks.
    private static long Ms(long ticks) => ticks / TimeSpan.TicksPerMillisecond;

    private static long Ticks(long ms) => ms * TimeSpan.TicksPerMillisecond;
}
