using System.Text.Json;
using Microsoft.Data.Sqlite;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Storage;

/// <summary>
/// Writes one migration's part of a batch inside the writer's transaction, enforcing every bound there:
/// the batch is first folded into counter deltas (one statement per distinct endpoint × path × kind,
/// never one row per comparison), then samples are kept where a path still lacks examples.
/// </summary>
/// <remarks>
/// Samples are kept first-N per endpoint × path (as Diffy keeps its first examples): an example stays
/// put, so links to it keep working, and a path that keeps differing costs no writes once it has its
/// N. The per-migration bound then evicts the oldest samples, which lets evicted paths collect fresh
/// examples again.
/// </remarks>
internal sealed class SqliteDiffWriter
{
    /// <summary>Endpoints counted per migration; comparisons at endpoints beyond count under "(other)".</summary>
    public const int MaxEndpointsPerMigration = 1000;

    /// <summary>Differences one stored sample lists; the counters count them all.</summary>
    public const int MaxDifferencesPerSample = 200;

    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly StoreOptions _options;
    private readonly string _migration;
    private readonly Dictionary<(string Endpoint, string Path, string Kind), string> _effectivePaths = [];
    private readonly Dictionary<(string Endpoint, string Path), int> _coverage = [];

    public SqliteDiffWriter(SqliteConnection connection, SqliteTransaction transaction, StoreOptions options, string migration)
    {
        _connection = connection;
        _transaction = transaction;
        _options = options;
        _migration = migration;
    }

    /// <param name="checkVersionBound">Whether to enforce the bound of per-version rows now (a count: not on every batch).</param>
    public DiffWriteResult Write(IReadOnlyList<ComparisonRecord> records, bool checkVersionBound = false)
    {
        var endpoints = EffectiveEndpoints(records);
        WriteEndpointCounts(records, endpoints);
        WriteCounters(records, endpoints);
        SqliteVersionWriter.Write(_connection, _transaction, _migration, records, endpoints,
            (endpoint, path, kind) => _effectivePaths.GetValueOrDefault((endpoint, path, kind), path), _options.MaxPathsPerMigration, checkVersionBound);
        return WriteSamples(records, endpoints);
    }

    private string[] EffectiveEndpoints(IReadOnlyList<ComparisonRecord> records)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        using (var select = Command("SELECT endpoint FROM endpoint_counts WHERE migration = $m"))
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                known.Add(reader.GetString(0));
            }
        }

        var bounded = known.Count - (known.Contains(SqliteSchema.Overflow) ? 1 : 0);
        var result = new string[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            var endpoint = records[i].Endpoint;
            if (!known.Contains(endpoint))
            {
                if (bounded >= MaxEndpointsPerMigration)
                {
                    endpoint = SqliteSchema.Overflow;
                }
                else
                {
                    bounded++;
                }

                known.Add(endpoint);
            }

            result[i] = endpoint;
        }

        return result;
    }

    private void WriteEndpointCounts(IReadOnlyList<ComparisonRecord> records, string[] endpoints)
    {
        var totals = new Dictionary<string, (long Match, long Diff, long Noise)>(StringComparer.Ordinal);
        for (var i = 0; i < records.Count; i++)
        {
            var (match, diff, noise) = totals.GetValueOrDefault(endpoints[i]);
            totals[endpoints[i]] = records[i].Outcome switch
            {
                ComparisonTally.Match => (match + 1, diff, noise),
                ComparisonTally.Diff => (match, diff + 1, noise),
                _ => (match, diff, noise + 1),
            };
        }

        using var upsert = Command(
            """
            INSERT INTO endpoint_counts (migration, endpoint, matches, diffs, noise) VALUES ($m, $e, $a, $d, $n)
            ON CONFLICT (migration, endpoint) DO UPDATE SET matches = matches + excluded.matches, diffs = diffs + excluded.diffs, noise = noise + excluded.noise
            """,
            "$e", "$a", "$d", "$n");
        foreach (var (endpoint, (match, diff, noise)) in totals)
        {
            Run(upsert, endpoint, match, diff, noise);
        }
    }

    private void WriteCounters(IReadOnlyList<ComparisonRecord> records, string[] endpoints)
    {
        var deltas = new Dictionary<(string Endpoint, string Path, string Kind), CounterDelta>();
        for (var i = 0; i < records.Count; i++)
        {
            var ticks = records[i].Timestamp.UtcTicks;
            foreach (var difference in records[i].Differences)
            {
                var key = (endpoints[i], difference.Path, difference.Kind);
                if (!deltas.TryGetValue(key, out var delta))
                {
                    deltas[key] = delta = new CounterDelta();
                }

                delta.Add(ticks, difference.IsNoise);
            }
        }

        if (deltas.Count == 0)
        {
            return;
        }

        const string Set = "count = count + $c, noise_count = noise_count + $nc, is_noise = CASE WHEN $l >= last_seen THEN $in ELSE is_noise END, first_seen = min(first_seen, $f), last_seen = max(last_seen, $l)";
        using var update = Command("UPDATE diff_counters SET " + Set + " WHERE migration = $m AND endpoint = $e AND path = $p AND kind = $k", "$e", "$p", "$k", "$c", "$nc", "$in", "$f", "$l");
        using var upsert = Command(
            "INSERT INTO diff_counters (migration, endpoint, path, kind, count, noise_count, is_noise, first_seen, last_seen) VALUES ($m, $e, $p, $k, $c, $nc, $in, $f, $l) "
            + """
            ON CONFLICT (migration, endpoint, path, kind) DO UPDATE SET count = count + excluded.count, noise_count = noise_count + excluded.noise_count,
                is_noise = CASE WHEN excluded.last_seen >= last_seen THEN excluded.is_noise ELSE is_noise END,
                first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)
            """,
            "$e", "$p", "$k", "$c", "$nc", "$in", "$f", "$l");

        using var countRows = Command("SELECT COUNT(*) FROM diff_counters WHERE migration = $m AND path <> $o", "$o");
        var rows = (long)Scalar(countRows, SqliteSchema.Overflow)!;
        foreach (var ((endpoint, path, kind), delta) in deltas)
        {
            var values = new object[] { endpoint, path, kind, delta.Count, delta.Noise, delta.LastNoise, delta.First, delta.Last };
            if (Run(update, values) > 0)
            {
                _effectivePaths[(endpoint, path, kind)] = path;
                continue;
            }

            if (rows < _options.MaxPathsPerMigration)
            {
                rows++;
                _effectivePaths[(endpoint, path, kind)] = path;
            }
            else
            {
                values[1] = values[2] = SqliteSchema.Overflow;
                _effectivePaths[(endpoint, path, kind)] = SqliteSchema.Overflow;
            }

            Run(upsert, values);
        }
    }

    private DiffWriteResult WriteSamples(IReadOnlyList<ComparisonRecord> records, string[] endpoints)
    {
        using var insert = Command(
            """
            INSERT INTO samples (migration, endpoint, time, method, path_query, legacy_status, candidate_status, diff_count, payload)
            VALUES ($m, $e, $t, $me, $pq, $ls, $cs, $dc, $pl) RETURNING id
            """,
            "$e", "$t", "$me", "$pq", "$ls", "$cs", "$dc", "$pl");
        using var link = Command("INSERT OR IGNORE INTO sample_paths (migration, endpoint, path, sample_id) VALUES ($m, $e, $p, $id)", "$e", "$p", "$id");
        using var covered = Command("SELECT COUNT(*) FROM sample_paths WHERE migration = $m AND endpoint = $e AND path = $p", "$e", "$p");
        var stored = 0;
        var lacking = new List<string>();
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            if (record.Sample is not { } sample)
            {
                continue;
            }

            lacking.Clear();
            foreach (var difference in record.Differences)
            {
                if (difference.IsNoise)
                {
                    continue;
                }

                var path = _effectivePaths[(endpoints[i], difference.Path, difference.Kind)];
                if (!lacking.Contains(path) && Coverage(covered, endpoints[i], path) < _options.SamplesPerPath)
                {
                    lacking.Add(path);
                }
            }

            if (lacking.Count == 0)
            {
                continue;
            }

            var id = (long)Scalar(insert, endpoints[i], record.Timestamp.UtcTicks, sample.Request.Method, sample.Request.Path + sample.Request.Query,
                sample.Legacy.Status, sample.Candidate.Status, record.Differences.Count, Payload(record))!;
            stored++;
            foreach (var path in lacking)
            {
                Run(link, endpoints[i], path, id);
                _coverage[(endpoints[i], path)]++;
            }
        }

        return new DiffWriteResult(stored, stored == 0 ? 0 : EvictBeyondBound());
    }

    private int Coverage(SqliteCommand covered, string endpoint, string path)
    {
        if (!_coverage.TryGetValue((endpoint, path), out var count))
        {
            _coverage[(endpoint, path)] = count = Convert.ToInt32(Scalar(covered, endpoint, path), System.Globalization.CultureInfo.InvariantCulture);
        }

        return count;
    }

    private int EvictBeyondBound()
    {
        using var count = Command("SELECT COUNT(*) FROM samples WHERE migration = $m");
        var excess = (long)Scalar(count)! - _options.MaxSamplesPerMigration;
        if (excess <= 0)
        {
            return 0;
        }

        const string Oldest = "SELECT id FROM samples WHERE migration = $m ORDER BY id LIMIT $x";
        using var unlink = Command("DELETE FROM sample_paths WHERE sample_id IN (" + Oldest + ")", "$x");
        Run(unlink, excess);
        using var delete = Command("DELETE FROM samples WHERE id IN (" + Oldest + ")", "$x");
        return Run(delete, excess);
    }

    internal static string Payload(ComparisonRecord record)
    {
        var sample = record.Sample!;
        var capped = sample with
        {
            Request = sample.Request with { Body = sample.Request.Body?.Capped() },
            Legacy = sample.Legacy with { Body = sample.Legacy.Body?.Capped() },
            Candidate = sample.Candidate with { Body = sample.Candidate.Body?.Capped() },
        };
        var differences = record.Differences.Count > MaxDifferencesPerSample ? record.Differences.Take(MaxDifferencesPerSample).ToList() : record.Differences;
        return JsonSerializer.Serialize(new SamplePayload(capped, differences, record.DifferencesTruncated || differences.Count < record.Differences.Count), StoreJsonContext.Default.SamplePayload);
    }

    /// <summary>A prepared command with the migration bound and the named parameters to fill per row.</summary>
    private SqliteCommand Command(string sql, params ReadOnlySpan<string> parameters)
    {
        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$m", _migration);
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }

    /// <summary>Fills the parameters after $m in order and runs the command.</summary>
    private static int Run(SqliteCommand command, params ReadOnlySpan<object> values)
    {
        Bind(command, values);
        return command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteCommand command, params ReadOnlySpan<object> values)
    {
        Bind(command, values);
        return command.ExecuteScalar();
    }

    private static void Bind(SqliteCommand command, ReadOnlySpan<object> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i + 1].Value = values[i];
        }
    }

    private sealed class CounterDelta
    {
        public long Count { get; private set; }

        public long Noise { get; private set; }

        public long First { get; private set; } = long.MaxValue;

        public long Last { get; private set; } = long.MinValue;

        public bool LastNoise { get; private set; }

        public void Add(long ticks, bool isNoise)
        {
            Count++;
            Noise += isNoise ? 1 : 0;
            First = Math.Min(First, ticks);
            if (ticks >= Last)
            {
                Last = ticks;
                LastNoise = isNoise;
            }
        }
    }
}

/// <summary>What a sample row's payload column holds.</summary>
internal sealed record SamplePayload(StoredSample Sample, IReadOnlyList<StoredDifference> Differences, bool DifferencesTruncated);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(SamplePayload))]
internal sealed partial class StoreJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
