using System.Text.Json;
using ShadowProxy.Core.Replay;

namespace ShadowProxy.Storage;

/// <remarks>
/// The replay corpus lives in its own table, <c>replay_exchanges</c> (one row per exchange, the redacted exchange
/// as JSON), written in its own short transactions on the store's writer connection.
/// </remarks>
internal sealed partial class SqliteStore : IReplayStore
{
    public Task<int> WriteExchangesAsync(IReadOnlyList<CorpusWrite> batch, CancellationToken cancellationToken = default)
    {
        if (batch.Count == 0)
        {
            return Task.FromResult(0);
        }

        return WriteAsync((connection, transaction) =>
        {
            using var known = Command(connection, transaction, "SELECT EXISTS (SELECT 1 FROM replay_exchanges WHERE migration = $m AND endpoint = $e)", ("$m", null), ("$e", null));
            using var endpoints = Command(connection, transaction, "SELECT COUNT(DISTINCT endpoint) FROM replay_exchanges WHERE migration = $m", ("$m", null));
            using var insert = Command(connection, transaction, "INSERT INTO replay_exchanges (migration, endpoint, time, payload) VALUES ($m, $e, $t, $p)", ("$m", null), ("$e", null), ("$t", null), ("$p", null));
            using var trim = Command(connection, transaction,
                """
                DELETE FROM replay_exchanges WHERE migration = $m AND endpoint = $e AND id NOT IN (
                    SELECT id FROM replay_exchanges WHERE migration = $m AND endpoint = $e ORDER BY id DESC LIMIT $k)
                """,
                ("$m", null), ("$e", null), ("$k", null));
            var stored = 0;
            foreach (var write in batch)
            {
                var exchange = write.Exchange;
                known.Parameters["$m"].Value = endpoints.Parameters["$m"].Value = write.Migration;
                known.Parameters["$e"].Value = exchange.Endpoint;
                if ((long)known.ExecuteScalar()! == 0 && (long)endpoints.ExecuteScalar()! >= IReplayStore.MaxEndpointsPerMigration)
                {
                    continue;
                }

                insert.Parameters["$m"].Value = write.Migration;
                insert.Parameters["$e"].Value = exchange.Endpoint;
                insert.Parameters["$t"].Value = exchange.Time.UtcTicks;
                insert.Parameters["$p"].Value = JsonSerializer.Serialize(exchange with { Id = 0 }, CorpusJson.Options);
                insert.ExecuteNonQuery();
                trim.Parameters["$m"].Value = write.Migration;
                trim.Parameters["$e"].Value = exchange.Endpoint;
                trim.Parameters["$k"].Value = write.Keep;
                trim.ExecuteNonQuery();
                stored++;
            }

            return stored;
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<RecordedExchange>> ReadExchangesAsync(string migration, ExchangeQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, ExchangeQuery.MaxLimit);
        if (query.PerEndpoint <= 0)
        {
            return [];
        }

        await using var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null,
            """
            SELECT id, payload FROM (
                SELECT id, payload, ROW_NUMBER() OVER (PARTITION BY endpoint ORDER BY id DESC) AS newest
                FROM replay_exchanges WHERE migration = $m AND ($e IS NULL OR endpoint = $e))
            WHERE newest <= $k ORDER BY id DESC LIMIT $l
            """,
            ("$m", migration), ("$e", query.Endpoint), ("$k", query.PerEndpoint), ("$l", query.Limit));
        return ReadAll(command, reader => (JsonSerializer.Deserialize<RecordedExchange>(reader.GetString(1), CorpusJson.Options)
            ?? throw new InvalidDataException($"Replay exchange {reader.GetInt64(0)} has an empty payload.")) with { Id = reader.GetInt64(0) });
    }
}
