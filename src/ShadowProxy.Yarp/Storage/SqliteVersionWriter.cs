using ShadowProxy.Core.Storage;
using static ShadowProxy.Storage.SqliteBatchStatements;

namespace ShadowProxy.Storage;

/// <summary>
/// Writes the per-version counts of one migration's part of a batch (docs/comparison.md#candidate-versions), inside the diff writer's
/// transaction: the versions, comparisons per version × hour × endpoint, differences per version × hour ×
/// endpoint × path × kind, and the candidate path of renamed keys. Bounded by <see cref="StorageLimits"/>:
/// <see cref="StorageLimits.MaxVersionsPerMigration"/> versions and <see cref="StorageLimits.MaxVersionRows"/>
/// difference rows (the oldest hours go first).
/// </summary>
internal static class SqliteVersionWriter
{
    /// <param name="endpointOf">The endpoint a recorded endpoint is counted under.</param>
    /// <param name="pathOf">The path a recorded counter is counted under.</param>
    public static void Write(SqliteBatchStatements sql, DiffBatch batch, Func<string, string> endpointOf, Func<DiffCounterKey, string> pathOf, StorageLimits limits, bool checkBound)
    {
        var versions = new BoundedKeys(sql.Strings("SELECT version FROM versions WHERE migration = $m"), StorageLimits.MaxVersionsPerMigration, overflowTakesAPlace: true);
        using (var upsert = sql.Prepare(
            """
            INSERT INTO versions (migration, version, first_seen, last_seen, comparisons, diffs) VALUES ($m, $v, $f, $l, $c, $d)
            ON CONFLICT (migration, version) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen),
                comparisons = comparisons + excluded.comparisons, diffs = diffs + excluded.diffs
            """,
            "$v", "$f", "$l", "$c", "$d"))
        {
            foreach (var (version, delta) in batch.Versions)
            {
                Run(upsert, versions.Admit(version), delta.First, delta.Last, delta.Comparisons, delta.Diffs);
            }
        }

        using (var upsert = sql.Prepare(
            """
            INSERT INTO version_endpoint_counts (migration, version, hour, endpoint, comparisons) VALUES ($m, $v, $h, $e, $c)
            ON CONFLICT (migration, version, hour, endpoint) DO UPDATE SET comparisons = comparisons + excluded.comparisons
            """,
            "$v", "$h", "$e", "$c"))
        {
            foreach (var (key, count) in batch.VersionEndpoints)
            {
                Run(upsert, versions.Admit(key.Version), key.Hour, endpointOf(key.Endpoint), count);
            }
        }

        using (var upsert = sql.Prepare(
            """
            INSERT INTO version_diff_counts (migration, version, hour, endpoint, path, kind, count) VALUES ($m, $v, $h, $e, $p, $k, $c)
            ON CONFLICT (migration, version, hour, endpoint, path, kind) DO UPDATE SET count = count + excluded.count
            """,
            "$v", "$h", "$e", "$p", "$k", "$c"))
        {
            foreach (var (key, count) in batch.VersionPaths)
            {
                Run(upsert, versions.Admit(key.Version), key.Hour, endpointOf(key.Endpoint), pathOf(new DiffCounterKey(key.Endpoint, key.Path, key.Kind)), key.Kind, count);
            }
        }

        using (var rename = sql.Prepare("UPDATE diff_counters SET candidate_path = $cp WHERE migration = $m AND endpoint = $e AND path = $p AND kind = 'Renamed'", "$e", "$p", "$cp"))
        {
            foreach (var (key, candidatePath) in batch.Renames)
            {
                // A renamed key counted under the overflow path has no row of its own to name its candidate path.
                if (pathOf(key) == key.Path)
                {
                    Run(rename, endpointOf(key.Endpoint), key.Path, candidatePath);
                }
            }
        }

        if (checkBound)
        {
            EnforceBound(sql, limits.MaxVersionRows);
        }
    }

    private static void EnforceBound(SqliteBatchStatements sql, long maxRows)
    {
        using var count = sql.Prepare("SELECT COUNT(*) FROM version_diff_counts WHERE migration = $m");
        using var deleteOldestHour = sql.Prepare("DELETE FROM version_diff_counts WHERE migration = $m AND hour = (SELECT MIN(hour) FROM version_diff_counts WHERE migration = $m)");
        for (var round = 0; round < 1000 && Count(count) > maxRows; round++)
        {
            Run(deleteOldestHour);
        }
    }
}
