using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Storage;

internal sealed partial class SqliteStore
{
    /// <summary>How often at most the writer looks whether free pages are worth giving back.</summary>
    private static readonly TimeSpan VacuumInterval = TimeSpan.FromMinutes(5);

    private long _lastVacuumCheck;

    public Task<DiffWriteResult> WriteAsync(IReadOnlyList<ComparisonRecord> batch, CancellationToken cancellationToken = default)
    {
        if (batch.Count == 0)
        {
            return Task.FromResult(new DiffWriteResult(0, 0));
        }

        return WriteAsync((connection, transaction) =>
        {
            int stored = 0, evicted = 0;
            foreach (var migration in batch.GroupBy(r => r.Migration, StringComparer.Ordinal))
            {
                var result = new SqliteDiffWriter(connection, transaction, _options, migration.Key).Write(migration.ToList());
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
        const string Where = """
            WHERE c.migration = $m AND ($e IS NULL OR c.endpoint = $e) AND ($p IS NULL OR instr(c.path, $p) > 0) AND ($n IS NULL OR c.is_noise = $n)
            """;
        var order = query.Sort switch
        {
            SummarySort.Rate => "rate DESC, c.count DESC",
            SummarySort.LastSeen => "c.last_seen DESC",
            SummarySort.FirstSeen => "c.first_seen DESC",
            SummarySort.Endpoint => "c.endpoint, c.path",
            SummarySort.Path => "c.path, c.endpoint",
            _ => "c.count DESC",
        };
        (string, object?)[] filters = [("$m", migration), ("$e", query.Endpoint), ("$p", query.PathContains), ("$n", query.Noise)];

        await using var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction(deferred: true);
        using var total = Command(connection, transaction, "SELECT COUNT(*) FROM diff_counters c " + Where, filters);
        var count = (long)total.ExecuteScalar()!;
        using var page = Command(connection, transaction,
            $"""
            SELECT c.endpoint, c.path, c.kind, c.count, c.noise_count, c.is_noise, c.first_seen, c.last_seen,
                CASE WHEN e.matches + e.diffs + e.noise > 0 THEN CAST(c.count AS REAL) / (e.matches + e.diffs + e.noise) ELSE 0.0 END AS rate,
                (SELECT group_concat(sample_id) FROM (
                    SELECT sp.sample_id FROM sample_paths sp
                    WHERE sp.migration = c.migration AND sp.endpoint = c.endpoint AND sp.path = c.path
                    ORDER BY sp.sample_id LIMIT $s)) AS samples
            FROM diff_counters c LEFT JOIN endpoint_counts e ON e.migration = c.migration AND e.endpoint = c.endpoint
            {Where}
            ORDER BY {order}, c.endpoint, c.path, c.kind
            LIMIT $l OFFSET $o
            """,
            [.. filters, ("$s", _options.SamplesPerPath), ("$l", query.Limit), ("$o", query.Offset)]);
        var rows = ReadAll(page, reader => new DiffSummaryRow(
            reader.GetString(0),
            reader.GetString(1),
            reader.GetString(2),
            reader.GetInt64(3),
            reader.GetInt64(4),
            reader.GetDouble(8),
            reader.GetBoolean(5),
            Time(reader.GetInt64(6)),
            Time(reader.GetInt64(7)),
            reader.IsDBNull(9) ? [] : reader.GetString(9).Split(',').Select(id => long.Parse(id, CultureInfo.InvariantCulture)).ToList()));
        return new DiffSummaryPage(count, query.Offset, query.Limit, rows);
    }

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
            var payload = JsonSerializer.Deserialize(reader.GetString(3), StoreJsonContext.Default.SamplePayload)
                ?? throw new InvalidDataException($"Sample {id} has an empty payload.");
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
