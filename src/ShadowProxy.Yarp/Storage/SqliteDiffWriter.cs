using Microsoft.Data.Sqlite;
using ShadowProxy.Core.Storage;
using static ShadowProxy.Storage.SqliteBatchStatements;

namespace ShadowProxy.Storage;

/// <summary>
/// Writes one migration's part of a batch (folded by <see cref="DiffBatch"/>) inside the writer's transaction,
/// enforcing the <see cref="StorageLimits"/> there: one statement per distinct endpoint × path × kind, never one
/// row per comparison, then samples where a path still lacks examples.
/// </summary>
/// <remarks>
/// Samples are kept first-N per endpoint × path (as Diffy keeps its first examples): an example stays
/// put, so links to it keep working, and a path that keeps differing costs no writes once it has its
/// N. The per-migration bound then evicts the oldest samples, which lets evicted paths collect fresh
/// examples again.
/// </remarks>
internal sealed class SqliteDiffWriter
{
    private readonly SqliteBatchStatements _sql;
    private readonly StorageLimits _limits;
    private readonly DiffBatch _batch;
    private readonly BoundedKeys _endpoints;

    // The path each recorded counter is kept under: itself, or the overflow path beyond the bound.
    private readonly Dictionary<DiffCounterKey, string> _paths = [];
    private readonly Dictionary<(string Endpoint, string Path), int> _coverage = [];

    public SqliteDiffWriter(SqliteConnection connection, SqliteTransaction transaction, StorageLimits limits, DiffBatch batch)
    {
        _sql = new SqliteBatchStatements(connection, transaction, batch.Migration);
        _limits = limits;
        _batch = batch;
        _endpoints = new BoundedKeys(_sql.Strings("SELECT endpoint FROM endpoint_counts WHERE migration = $m"), StorageLimits.MaxEndpointsPerMigration, overflowTakesAPlace: false);
    }

    /// <param name="checkVersionBound">Whether to enforce the bound of per-version rows now (a count: not on every batch).</param>
    public DiffWriteResult Write(bool checkVersionBound = false)
    {
        WriteEndpointCounts();
        WriteCounters();
        SqliteVersionWriter.Write(_sql, _batch, _endpoints.Admit, PathOf, _limits, checkVersionBound);
        return WriteSamples();
    }

    private string PathOf(DiffCounterKey recorded) => _paths.GetValueOrDefault(recorded, recorded.Path);

    private void WriteEndpointCounts()
    {
        using var upsert = _sql.Prepare(
            """
            INSERT INTO endpoint_counts (migration, endpoint, matches, diffs, noise) VALUES ($m, $e, $a, $d, $n)
            ON CONFLICT (migration, endpoint) DO UPDATE SET matches = matches + excluded.matches, diffs = diffs + excluded.diffs, noise = noise + excluded.noise
            """,
            "$e", "$a", "$d", "$n");
        foreach (var (endpoint, counts) in _batch.Endpoints)
        {
            Run(upsert, _endpoints.Admit(endpoint), counts.Match, counts.Diff, counts.Noise);
        }
    }

    private void WriteCounters()
    {
        if (_batch.Counters.Count == 0)
        {
            return;
        }

        const string Set = "count = count + $c, noise_count = noise_count + $nc, is_noise = CASE WHEN $l >= last_seen THEN $in ELSE is_noise END, first_seen = min(first_seen, $f), last_seen = max(last_seen, $l)";
        using var update = _sql.Prepare("UPDATE diff_counters SET " + Set + " WHERE migration = $m AND endpoint = $e AND path = $p AND kind = $k", "$e", "$p", "$k", "$c", "$nc", "$in", "$f", "$l");
        using var upsert = _sql.Prepare(
            "INSERT INTO diff_counters (migration, endpoint, path, kind, count, noise_count, is_noise, first_seen, last_seen) VALUES ($m, $e, $p, $k, $c, $nc, $in, $f, $l) "
            + """
            ON CONFLICT (migration, endpoint, path, kind) DO UPDATE SET count = count + excluded.count, noise_count = noise_count + excluded.noise_count,
                is_noise = CASE WHEN excluded.last_seen >= last_seen THEN excluded.is_noise ELSE is_noise END,
                first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)
            """,
            "$e", "$p", "$k", "$c", "$nc", "$in", "$f", "$l");

        using var countRows = _sql.Prepare("SELECT COUNT(*) FROM diff_counters WHERE migration = $m AND path <> $o", "$o");
        var rows = Count(countRows, StorageLimits.Overflow);
        foreach (var (key, delta) in _batch.Counters)
        {
            var values = new object[] { _endpoints.Admit(key.Endpoint), key.Path, key.Kind, delta.Count, delta.Noise, delta.LastIsNoise, delta.First, delta.Last };
            if (Run(update, values) > 0)
            {
                _paths[key] = key.Path;
                continue;
            }

            if (rows < _limits.MaxPathsPerMigration)
            {
                rows++;
                _paths[key] = key.Path;
            }
            else
            {
                values[1] = values[2] = StorageLimits.Overflow;
                _paths[key] = StorageLimits.Overflow;
            }

            Run(upsert, values);
        }
    }

    private DiffWriteResult WriteSamples()
    {
        using var insert = _sql.Prepare(
            """
            INSERT INTO samples (migration, endpoint, time, method, path_query, legacy_status, candidate_status, diff_count, payload)
            VALUES ($m, $e, $t, $me, $pq, $ls, $cs, $dc, $pl) RETURNING id
            """,
            "$e", "$t", "$me", "$pq", "$ls", "$cs", "$dc", "$pl");
        using var link = _sql.Prepare("INSERT OR IGNORE INTO sample_paths (migration, endpoint, path, sample_id) VALUES ($m, $e, $p, $id)", "$e", "$p", "$id");
        using var covered = _sql.Prepare("SELECT COUNT(*) FROM sample_paths WHERE migration = $m AND endpoint = $e AND path = $p", "$e", "$p");
        var stored = 0;
        var lacking = new List<string>();
        foreach (var candidate in _batch.Samples)
        {
            var record = candidate.Record;
            var endpoint = _endpoints.Admit(record.Endpoint);
            lacking.Clear();
            foreach (var (path, kind) in candidate.Paths)
            {
                var kept = PathOf(new DiffCounterKey(record.Endpoint, path, kind));
                if (!lacking.Contains(kept) && _limits.WantsSample(Coverage(covered, endpoint, kept)))
                {
                    lacking.Add(kept);
                }
            }

            if (lacking.Count == 0)
            {
                continue;
            }

            var sample = record.Sample!;
            var id = Count(insert, endpoint, record.Timestamp.UtcTicks, sample.Request.Method, sample.Request.Path + sample.Request.Query,
                sample.Legacy.Status, sample.Candidate.Status, record.Differences.Count, candidate.Payload());
            stored++;
            foreach (var path in lacking)
            {
                Run(link, endpoint, path, id);
                _coverage[(endpoint, path)]++;
            }
        }

        return new DiffWriteResult(stored, stored == 0 ? 0 : EvictBeyondBound());
    }

    private int Coverage(SqliteCommand covered, string endpoint, string path)
    {
        if (!_coverage.TryGetValue((endpoint, path), out var count))
        {
            _coverage[(endpoint, path)] = count = (int)Count(covered, endpoint, path);
        }

        return count;
    }

    private int EvictBeyondBound()
    {
        using var count = _sql.Prepare("SELECT COUNT(*) FROM samples WHERE migration = $m");
        var excess = Count(count) - _limits.MaxSamplesPerMigration;
        if (excess <= 0)
        {
            return 0;
        }

        const string Oldest = "SELECT id FROM samples WHERE migration = $m ORDER BY id LIMIT $x";
        using var unlink = _sql.Prepare("DELETE FROM sample_paths WHERE sample_id IN (" + Oldest + ")", "$x");
        Run(unlink, excess);
        using var delete = _sql.Prepare("DELETE FROM samples WHERE id IN (" + Oldest + ")", "$x");
        return Run(delete, excess);
    }
}
