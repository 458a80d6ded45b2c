using System.Globalization;
using Microsoft.Data.Sqlite;
using ShadowProxy.Core.Noise;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Storage;

internal sealed partial class SqliteStore
{
    /// <summary>How often at most the writer looks whether free pages are worth giving back.</summary>
    private static readonly TimeSpan VacuumInterval = TimeSpan.FromMinutes(5);

    /// <summary>How often at most the writer counts the per-version rows against their bound.</summary>
    private static readonly TimeSpan VersionBoundInterval = TimeSpan.FromMinutes(1);

    private long _lastVacuumCheck;
    private long _lastVersionBoundCheck;

    public Task<DiffWriteResult> WriteAsync(IReadOnlyList<ComparisonRecord> batch, CancellationToken cancellationToken = default)
    {
        if (batch.Count == 0)
        {
            return Task.FromResult(new DiffWriteResult(0, 0));
        }

        return WriteAsync((connection, transaction) =>
        {
            int stored = 0, evicted = 0;
            var checkVersionBound = VersionBoundDue();
            foreach (var migration in DiffBatch.ByMigration(batch))
            {
                var result = new SqliteDiffWriter(connection, transaction, _limits, migration).Write(checkVersionBound);
                stored += result.SamplesStored;
                evicted += result.SamplesEvicted;
            }

            return new DiffWriteResult(stored, evicted);
        }, cancellationToken, afterCommit: VacuumIfDue);
    }

    public async Task<DiffSummaryPage> ReadSummaryAsync(string migration, SummaryQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, SummaryQuery.MaxLimit);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Offset);

        // With version= or since=, counts and rates come from the per-version × hour counts (docs/comparison.md#candidate-versions); rows with no
        // count under the filter are left out.
        var byVersion = query.Version is not null || query.Since is not null;
        const string Filter = "migration = $m AND ($v IS NULL OR version = $v) AND ($h IS NULL OR hour >= $h)";
        var from = byVersion
            ? $"""
                (SELECT endpoint, path, kind, SUM(count) AS count FROM version_diff_counts WHERE {Filter} GROUP BY endpoint, path, kind) f
                JOIN diff_counters c ON c.migration = $m AND c.endpoint = f.endpoint AND c.path = f.path AND c.kind = f.kind
                LEFT JOIN (SELECT endpoint, SUM(comparisons) AS total FROM version_endpoint_counts WHERE {Filter} GROUP BY endpoint) t ON t.endpoint = c.endpoint
                """
            : "diff_counters c LEFT JOIN (SELECT endpoint, matches + diffs + noise AS total FROM endpoint_counts WHERE migration = $m) t ON t.endpoint = c.endpoint";
        var count = byVersion ? "f.count" : "c.count";
        const string Where = """
            WHERE c.migration = $m AND ($e IS NULL OR c.endpoint = $e) AND ($p IS NULL OR instr(c.path, $p) > 0)
                AND ($n IS NULL OR (noise_source(c.endpoint, c.path, c.kind, c.count, c.noise_count, c.is_noise) IS NOT NULL) = $n)
            """;
        var order = query.Sort switch
        {
            SummarySort.Rate => $"rate DESC, {count} DESC",
            SummarySort.LastSeen => "c.last_seen DESC",
            SummarySort.FirstSeen => "c.first_seen DESC",
            SummarySort.Endpoint => "c.endpoint, c.path",
            SummarySort.Path => "c.path, c.endpoint",
            _ => $"{count} DESC",
        };
        (string, object?)[] filters =
        [
            ("$m", migration), ("$e", query.Endpoint), ("$p", query.PathContains), ("$n", query.Noise),
            ("$v", query.Version), ("$h", query.Since is { } since ? since.UtcTicks / TimeSpan.TicksPerHour : null),
        ];

        await using var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        RegisterNoiseSource(connection, query.Rules);
        using var transaction = connection.BeginTransaction(deferred: true);
        using var total = Command(connection, transaction, $"SELECT COUNT(*) FROM {from} {Where}", filters);
        var rowCount = (long)total.ExecuteScalar()!;
        using var page = Command(connection, transaction,
            $"""
            SELECT c.endpoint, c.path, c.kind, {count}, c.noise_count, noise_source(c.endpoint, c.path, c.kind, c.count, c.noise_count, c.is_noise), c.first_seen, c.last_seen,
                CASE WHEN t.total > 0 THEN CAST({count} AS REAL) / t.total ELSE 0.0 END AS rate,
                (SELECT group_concat(sample_id) FROM (
                    SELECT sp.sample_id FROM sample_paths sp
                    WHERE sp.migration = c.migration AND sp.endpoint = c.endpoint AND sp.path = c.path
                    ORDER BY sp.sample_id LIMIT $s)) AS samples,
                c.candidate_path
            FROM {from}
            {Where}
            ORDER BY {order}, c.endpoint, c.path, c.kind
            LIMIT $l OFFSET $o
            """,
            [.. filters, ("$s", _limits.SamplesPerPath), ("$l", query.Limit), ("$o", query.Offset)]);
        var rows = ReadAll(page, reader => new DiffSummaryRow(
            reader.GetString(0),
            reader.GetString(1),
            reader.GetString(2),
            reader.GetInt64(3),
            reader.GetInt64(4),
            reader.GetDouble(8),
            !reader.IsDBNull(5),
            Time(reader.GetInt64(6)),
            Time(reader.GetInt64(7)),
            reader.IsDBNull(9) ? [] : reader.GetString(9).Split(',').Select(id => long.Parse(id, CultureInfo.InvariantCulture)).ToList())
        {
            NoiseSource = reader.IsDBNull(5) ? null : reader.GetString(5),
            CandidatePath = reader.IsDBNull(10) ? null : reader.GetString(10),
        });
        return new DiffSummaryPage(rowCount, query.Offset, query.Limit, rows);
    }

    /// <summary>
    /// <c>noise_source(endpoint, path, kind, count, noise_count, is_noise)</c> for this connection: the row's noise
    /// source under <paramref name="rules"/> (the rules in force), so that the noise filter pages in SQL.
    /// </summary>
    private static void RegisterNoiseSource(SqliteConnection connection, NoiseRules? rules) =>
        connection.CreateFunction<string, string, string, long, long, long, string?>(
            "noise_source",
            (endpoint, path, kind, count, noiseCount, isNoise) => rules is null
                ? (isNoise != 0 ? "config" : null)
                : NoiseSources.Name(rules.SourceOf(endpoint, path, kind, wasNoise: count > 0 && noiseCount == count)),
            isDeterministic: false);

    public async Task<IReadOnlyList<SampleHeader>> ReadSamplesAsync(string migration, SampleQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, SampleQuery.MaxLimit);
        await using var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null,
            """
            SELECT s.id, s.time, s.endpoint, s.method, s.path_query, s.legacy_status, s.candidate_status, s.diff_count FROM samples s
            WHERE s.migration = $m AND ($e IS NULL OR s.endpoint = $e) AND ($b IS NULL OR s.id < $b)
                AND ($p IS NULL OR EXISTS (SELECT 1 FROM sample_paths sp WHERE sp.sample_id = s.id AND sp.path = $p))
            ORDER BY s.id DESC LIMIT $l
            """,
            ("$m", migration),
            ("$e", query.Endpoint),
            ("$p", query.Path),
            ("$b", query.Before),
            ("$l", query.Limit));
        return ReadAll(command, reader => new SampleHeader(
            reader.GetInt64(0),
            Time(reader.GetInt64(1)),
            reader.GetString(2),
            reader.GetString(3),
            reader.GetString(4),
            reader.GetInt32(5),
            reader.GetInt32(6),
            reader.GetInt32(7)));
    }

    public async Task<SampleDetail?> ReadSampleAsync(string migration, long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null, "SELECT id, time, endpoint, payload FROM samples WHERE migration = $m AND id = $id", ("$m", migration), ("$id", id));
        return ReadAll(command, reader =>
        {
            var payload = SamplePayload.Deserialize(reader.GetString(3), id);
            return new SampleDetail(reader.GetInt64(0), Time(reader.GetInt64(1)), reader.GetString(2), payload.Sample, payload.Differences, payload.DifferencesTruncated);
        }).FirstOrDefault();
    }

    public async Task<ComparisonCounts> ReadCountsAsync(string migration, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null, "SELECT endpoint, matches, diffs, noise FROM endpoint_counts WHERE migration = $m ORDER BY endpoint", ("$m", migration));
        var endpoints = ReadAll(command, reader => new EndpointCounts(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
        return new ComparisonCounts(endpoints.Sum(e => e.Match), endpoints.Sum(e => e.Diff), endpoints.Sum(e => e.Noise), endpoints);
    }

    public async Task<IReadOnlyList<SampleCoverage>> ReadSampleCoverageAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null, "SELECT migration, endpoint, path, COUNT(*) FROM sample_paths GROUP BY migration, endpoint, path");
        return ReadAll(command, reader => new SampleCoverage(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
    }

    private bool VersionBoundDue()
    {
        var now = _time.GetTimestamp();
        if (_lastVersionBoundCheck != 0 && _time.GetElapsedTime(_lastVersionBoundCheck, now) < VersionBoundInterval)
        {
            return false;
        }

        _lastVersionBoundCheck = now;
        return true;
    }

    /// <summary>
    /// Freed pages are reused by later writes, so the file stops growing at its bounds without this;
    /// giving pages back only matters after a burst (many samples evicted), so look rarely.
    /// </summary>
    private void VacuumIfDue(SqliteConnection connection)
    {
        var now = _time.GetTimestamp();
        if (_lastVacuumCheck != 0 && _time.GetElapsedTime(_lastVacuumCheck, now) < VacuumInterval)
        {
            return;
        }

        _lastVacuumCheck = now;
        var free = (long)SqliteSchema.Scalar(connection, "PRAGMA freelist_count")!;
        var pages = (long)SqliteSchema.Scalar(connection, "PRAGMA page_count")!;
        if (free > 1024 && free * 4 > pages)
        {
            SqliteSchema.Execute(connection, null, "PRAGMA incremental_vacuum");
        }
    }
}
