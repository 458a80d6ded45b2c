using System.Text.Json;
using ShadowProxy.Core.Replay;
using StackExchange.Redis;

namespace ShadowProxy.Storage.Redis;

/// <remarks>
/// The replay corpus of a migration, under <c>replay:{m}:</c>, apart from its diffs: <c>eps</c> (set of
/// endpoints), <c>ep:{endpoint}</c> (list of exchange ids, newest first, trimmed to the endpoint's bound) and
/// <c>x</c> (hash id → the redacted exchange as JSON); ids come from <c>replay:seq</c>. Every key carries
/// <see cref="DiffTtl"/>, renewed on each write, like the diffs.
/// </remarks>
internal sealed partial class RedisStore : IReplayStore
{
    /// <summary>
    /// Adds exchanges and trims each endpoint's list, deleting what falls off; endpoints beyond the bound are not
    /// kept. ARGV: key prefix, sequence key, endpoint bound, ttl seconds, then (endpoint, keep, json) per exchange.
    /// Returns how many were stored.
    /// </summary>
    private const string WriteExchangesScript = """
        local p, seq, maxEp, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
        local eps, x = p .. 'eps', p .. 'x'
        local stored = 0
        for i = 5, #ARGV, 3 do
          local ep, keep, json = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2]
          if redis.call('SISMEMBER', eps, ep) == 1 or redis.call('SCARD', eps) < maxEp then
            redis.call('SADD', eps, ep)
            local list = p .. 'ep:' .. ep
            local id = redis.call('INCR', seq)
            redis.call('HSET', x, id, json)
            redis.call('LPUSH', list, id)
            for _, old in ipairs(redis.call('LRANGE', list, keep, -1)) do redis.call('HDEL', x, old) end
            redis.call('LTRIM', list, 0, keep - 1)
            stored = stored + 1
          end
        end
        for _, ep in ipairs(redis.call('SMEMBERS', eps)) do redis.call('EXPIRE', p .. 'ep:' .. ep, ttl) end
        for _, k in ipairs({eps, x, seq}) do
          if redis.call('EXISTS', k) == 1 then redis.call('EXPIRE', k, ttl) end
        end
        return stored
        """;

    public Task<int> WriteExchangesAsync(IReadOnlyList<CorpusWrite> batch, CancellationToken cancellationToken = default)
    {
        if (batch.Count == 0)
        {
            return Task.FromResult(0);
        }

        return _redis.RunAsync(async db =>
        {
            var stored = 0;
            foreach (var migration in batch.GroupBy(w => w.Migration, StringComparer.Ordinal))
            {
                var values = new List<RedisValue>
                {
                    ReplayPrefix(migration.Key),
                    _redis.Prefix + "replay:seq",
                    IReplayStore.MaxEndpointsPerMigration,
                    (long)DiffTtl.TotalSeconds,
                };
                foreach (var write in migration)
                {
                    values.Add(write.Exchange.Endpoint);
                    values.Add(write.Keep);
                    values.Add(JsonSerializer.Serialize(write.Exchange with { Id = 0 }, CorpusJson.Options));
                }

                stored += (int)await db.ScriptEvaluateAsync(WriteExchangesScript, values: [.. values]).ConfigureAwait(false);
            }

            return stored;
        });
    }

    public Task<IReadOnlyList<RecordedExchange>> ReadExchangesAsync(string migration, ExchangeQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, ExchangeQuery.MaxLimit);
        return _redis.RunAsync<IReadOnlyList<RecordedExchange>>(async db =>
        {
            if (query.PerEndpoint <= 0)
            {
                return [];
            }

            var prefix = ReplayPrefix(migration);
            var endpoints = query.Endpoint is { } one ? [one] : (await db.SetMembersAsync(prefix + "eps").ConfigureAwait(false)).Select(e => (string)e!).ToArray();
            var lists = await Task.WhenAll(endpoints.Select(e => db.ListRangeAsync(prefix + "ep:" + e, 0, query.PerEndpoint - 1))).ConfigureAwait(false);
            var ids = lists.SelectMany(l => l).Select(id => (long)id).OrderDescending().Take(query.Limit).ToArray();
            if (ids.Length == 0)
            {
                return [];
            }

            var payloads = await db.HashGetAsync(prefix + "x", [.. ids.Select(id => (RedisValue)id)]).ConfigureAwait(false);
            var result = new List<RecordedExchange>(ids.Length);
            for (var i = 0; i < ids.Length; i++)
            {
                // Trimmed by another instance between the two reads: it is simply no longer in the corpus.
                if (!payloads[i].IsNullOrEmpty && JsonSerializer.Deserialize<RecordedExchange>((string)payloads[i]!, CorpusJson.Options) is { } exchange)
                {
                    result.Add(exchange with { Id = ids[i] });
                }
            }

            return result;
        });
    }

    private string ReplayPrefix(string migration) => _redis.Prefix + "replay:" + migration + ":";
}
