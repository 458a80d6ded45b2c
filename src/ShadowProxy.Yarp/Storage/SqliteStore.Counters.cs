using ShadowProxy.Core.Storage;

namespace ShadowProxy.Storage;

/// <summary>
/// Shared counters and rate history (docs/architecture.md#fleet-mode) in tables of their own, so that they survive a restart.
/// </summary>
internal sealed partial class SqliteStore : ICounterStore
{
    public async Task AddCountersAsync(string migration, IReadOnlyList<KeyValuePair<string, long>> deltas, CancellationToken cancellationToken = default)
    {
        await WriteAsync((connection, transaction) =>
        {
            using var command = Command(connection, transaction,
                "INSERT INTO shared_counters (migration, key, value) VALUES ($m, $k, $v) ON CONFLICT (migration, key) DO UPDATE SET value = value + excluded.value",
                ("$m", migration), ("$k", string.Empty), ("$v", 0L));
            command.Prepare();
            foreach (var (key, delta) in deltas)
            {
                command.Parameters["$k"].Value = key;
                command.Parameters["$v"].Value = delta;
                command.ExecuteNonQuery();
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyDictionary<string, long>> ReadCountersAsync(string migration, IReadOnlyList<string>? keys = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null, "SELECT key, value FROM shared_counters WHERE migration = $m", ("$m", migration));
        var wanted = keys?.ToHashSet(StringComparer.Ordinal);
        return ReadAll(command, r => (Key: r.GetString(0), Value: r.GetInt64(1)))
            .Where(row => wanted is null || wanted.Contains(row.Key))
            .ToDictionary(row => row.Key, row => row.Value, StringComparer.Ordinal);
    }

    public async Task AddRatePointAsync(string migration, long slot, RatePoint point, TimeSpan keep, CancellationToken cancellationToken = default)
    {
        await WriteAsync((connection, transaction) =>
        {
            using (var insert = Command(connection, transaction,
                """
                INSERT OR IGNORE INTO rate_history (migration, slot, time, legacy, candidate, match, diff, noise)
                VALUES ($m, $s, $t, $l, $c, $match, $diff, $noise)
                """,
                ("$m", migration), ("$s", slot), ("$t", point.Time.UtcTicks), ("$l", point.LegacyRequests), ("$c", point.CandidateRequests),
                ("$match", point.Match), ("$diff", point.Diff), ("$noise", point.Noise)))
            {
                insert.ExecuteNonQuery();
            }

            using var prune = Command(connection, transaction, "DELETE FROM rate_history WHERE migration = $m AND time < $before",
                ("$m", migration), ("$before", (point.Time - keep).UtcTicks));
            prune.ExecuteNonQuery();
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<RatePoint>> ReadRatePointsAsync(string migration, long fromSlot, long toSlot, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null,
            "SELECT time, legacy, candidate, match, diff, noise FROM rate_history WHERE migration = $m AND slot BETWEEN $from AND $to ORDER BY slot",
            ("$m", migration), ("$from", fromSlot), ("$to", toSlot));
        return ReadAll(command, r => new RatePoint(Time(r.GetInt64(0)), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5)));
    }
}
