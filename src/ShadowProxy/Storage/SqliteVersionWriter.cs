using Microsoft.Data.Sqlite;
using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Storage;
using ShadowProxy.Core.Versions;

namespace ShadowProxy.Storage;

/// <summary>
/// Writes the per-version counts of one migration's part of a batch (SPEC §9), inside the diff writer's
/// transaction: the versions, comparisons per version × hour × endpoint, differences per version × hour ×
/// endpoint × path × kind, and the candidate path of renamed keys. Bounded: <see cref="CandidateVersion.MaxVersionsPerMigration"/>
/// versions, and <see cref="RowsPerPath"/> × <c>MaxPathsPerMigration</c> difference rows (the oldest hours go first).
/// </summary>
internal static class SqliteVersionWriter
{
    /// <summary>Difference rows per version × hour kept per counter path, on average.</summary>
    public const int RowsPerPath = 4;

    public static void Write(SqliteConnection connection, SqliteTransaction transaction, string migration, IReadOnlyList<ComparisonRecord> records,
        string[] endpoints, Func<string, string, string, string> effectivePath, int maxPaths, bool checkBound)
    {
        var versions = Versions(connection, transaction, migration, records);
        var versionTotals = new Dictionary<string, (long First, long Last, long Comparisons, long Diffs)>(StringComparer.Ordinal);
        var endpointCounts = new Dictionary<(string Version, long Hour, string Endpoint), long>();
        var pathCounts = new Dictionary<(string Version, long Hour, string Endpoint, string Path, string Kind), long>();
        var renames = new Dictionary<(string Endpoint, string Path), string>();
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            var version = versions[i];
            var ticks = record.Timestamp.UtcTicks;
            var hour = ticks / TimeSpan.TicksPerHour;
            var (first, last, comparisons, diffs) = versionTotals.GetValueOrDefault(version, (long.MaxValue, long.MinValue, 0, 0));
            versionTotals[version] = (Math.Min(first, ticks), Math.Max(last, ticks), comparisons + 1, diffs + (record.Outcome == ComparisonTally.Diff ? 1 : 0));
            endpointCounts[(version, hour, endpoints[i])] = endpointCounts.GetValueOrDefault((version, hour, endpoints[i])) + 1;
            foreach (var difference in record.Differences)
            {
                var path = effectivePath(endpoints[i], difference.Path, difference.Kind);
                var key = (version, hour, endpoints[i], path, difference.Kind);
                pathCounts[key] = pathCounts.GetValueOrDefault(key) + 1;
                if (difference.CandidatePath is { } candidatePath && path == difference.Path)
                {
                    renames[(endpoints[i], path)] = candidatePath;
                }
            }
        }

        foreach (var (version, (first, last, comparisons, diffs)) in versionTotals)
        {
            Run(connection, transaction,
                """
                INSERT INTO versions (migration, version, first_seen, last_seen, comparisons, diffs) VALUES ($m, $v, $f, $l, $c, $d)
                ON CONFLICT (migration, version) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen),
                    comparisons = comparisons + excluded.comparisons, diffs = diffs + excluded.diffs
                """,
                ("$m", migration), ("$v", version), ("$f", first), ("$l", last), ("$c", comparisons), ("$d", diffs));
        }

        foreach (var ((version, hour, endpoint), count) in endpointCounts)
        {
            Run(connection, transaction,
                """
                INSERT INTO version_endpoint_counts (migration, version, hour, endpoint, comparisons) VALUES ($m, $v, $h, $e, $c)
                ON CONFLICT (migration, version, hour, endpoint) DO UPDATE SET comparisons = comparisons + excluded.comparisons
                """,
                ("$m", migration), ("$v", version), ("$h", hour), ("$e", endpoint), ("$c", count));
        }

        foreach (var ((version, hour, endpoint, path, kind), count) in pathCounts)
        {
            Run(connection, transaction,
                """
                INSERT INTO version_diff_counts (migration, version, hour, endpoint, path, kind, count) VALUES ($m, $v, $h, $e, $p, $k, $c)
                ON CONFLICT (migration, version, hour, endpoint, path, kind) DO UPDATE SET count = count + excluded.count
                """,
                ("$m", migration), ("$v", version), ("$h", hour), ("$e", endpoint), ("$p", path), ("$k", kind), ("$c", count));
        }

        foreach (var ((endpoint, path), candidatePath) in renames)
        {
            Run(connection, transaction, "UPDATE diff_counters SET candidate_path = $cp WHERE migration = $m AND endpoint = $e AND path = $p AND kind = 'Renamed'",
                ("$m", migration), ("$e", endpoint), ("$p", path), ("$cp", candidatePath));
        }

        if (checkBound)
        {
            EnforceBound(connection, transaction, migration, (long)maxPaths * RowsPerPath);
        }
    }

    /// <summary>Each record's version, with versions beyond the bound counted as <see cref="CandidateVersion.Overflow"/>.</summary>
    private static string[] Versions(SqliteConnection connection, SqliteTransaction transaction, string migration, IReadOnlyList<ComparisonRecord> records)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        using (var select = SqliteStore.Command(connection, transaction, "SELECT version FROM versions WHERE migration = $m", ("$m", migration)))
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                known.Add(reader.GetString(0));
            }
        }

        var result = new string[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            var version = records[i].Version;
            if (!known.Contains(version))
            {
                if (known.Count >= CandidateVersion.MaxVersionsPerMigration)
                {
                    version = CandidateVersion.Overflow;
                }

                known.Add(version);
            }

            result[i] = version;
        }

        return result;
    }

    private static void EnforceBound(SqliteConnection connection, SqliteTransaction transaction, string migration, long maxRows)
    {
        for (var round = 0; round < 1000; round++)
        {
            using var count = SqliteStore.Command(connection, transaction, "SELECT COUNT(*) FROM version_diff_counts WHERE migration = $m", ("$m", migration));
            if ((long)count.ExecuteScalar()! <= maxRows)
            {
                return;
            }

            Run(connection, transaction,
                "DELETE FROM version_diff_counts WHERE migration = $m AND hour = (SELECT MIN(hour) FROM version_diff_counts WHERE migration = $m)",
                ("$m", migration));
        }
    }

    private static void Run(SqliteConnection connection, SqliteTransaction transaction, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        using var command = SqliteStore.Command(connection, transaction, sql, parameters);
        command.ExecuteNonQuery();
    }
}
