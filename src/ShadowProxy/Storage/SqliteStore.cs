using System.Globalization;
using Microsoft.Data.Sqlite;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Ramp;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Storage;

/// <summary>
/// State, audit, noise marks and diffs in one SQLite file (WAL). All writes go through one writer
/// connection, serialized by <see cref="_writeLock"/>, which is held only around synchronous work
/// (Microsoft.Data.Sqlite's async methods complete synchronously anyway) and never across an await.
/// Reads use short-lived pooled connections, which WAL lets run beside the writer.
/// </summary>
internal sealed partial class SqliteStore : IStateStore, IDiffStore, IAsyncDisposable
{
    private readonly StoreOptions _options;
    private readonly ILogger<SqliteStore> _logger;
    private readonly TimeProvider _time;
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private Task<SqliteConnection>? _writer;
    private volatile bool _disposed;

    /// <summary>State changes whose save failed, by migration: the newest state and the audit entries of every failed save.</summary>

    /// <summary>The weight of the last state saved, loaded, or kept unsaved while in force, by migration.</summary>


    public SqliteStore(StoreOptions options, ILogger<SqliteStore> logger, TimeProvider time)
    {
        _options = options;
        _logger = logger;
        _time = time;
        FilePath = Path.GetFullPath(options.Sqlite.Path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,

            // Also the busy timeout: Microsoft.Data.Sqlite retries SQLITE_BUSY until it expires.
            DefaultTimeout = 10,
        }.ToString();
    }

    public string FilePath { get; }

    // ---- state ----

    public async Task<IReadOnlyList<RampState>> LoadStatesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null, "SELECT " + StateColumns + " FROM ramp_state ORDER BY migration");
        return ReadAll(command, ReadState);
    }

    public async Task<RampState?> LoadStateAsync(string migration, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null, "SELECT " + StateColumns + " FROM ramp_state WHERE migration = $m", ("$m", migration));
        return ReadAll(command, ReadState).FirstOrDefault();
    }

    /// <summary>
    /// Saves <paramref name="state"/> (and its audit entry) in one transaction. A failure is thrown to the
    /// caller: the migration controller keeps a lowered weight that is in force and saves it once the
    /// store answers again.
    /// </summary>
    public Task SaveStateAsync(RampState state, AuditEntry? audit, CancellationToken cancellationToken = default) =>
        WriteAsync((connection, transaction) =>
        {
            SaveState(connection, transaction, state, audit);
            return true;
        }, cancellationToken);

    private void SaveState(SqliteConnection connection, SqliteTransaction transaction, RampState state, AuditEntry? audit)
    {
        using (var command = Command(connection, transaction,
            """
            INSERT INTO ramp_state (migration, stage_index, stage_name, weight, status, weight_overridden, stage_started_at, version, last_changed_at, status_reason)
            VALUES ($m, $si, $sn, $w, $st, $wo, $ss, $v, $lc, $r)
            ON CONFLICT (migration) DO UPDATE SET stage_index = excluded.stage_index, stage_name = excluded.stage_name, weight = excluded.weight,
                status = excluded.status, weight_overridden = excluded.weight_overridden, stage_started_at = excluded.stage_started_at,
                version = excluded.version, last_changed_at = excluded.last_changed_at, status_reason = excluded.status_reason
            """,
            ("$m", state.Migration),
            ("$si", state.StageIndex),
            ("$sn", state.StageName),
            ("$w", state.Weight.ToString(CultureInfo.InvariantCulture)),
            ("$st", state.Status.ToString()),
            ("$wo", state.WeightOverridden),
            ("$ss", state.StageStartedAt.UtcTicks),
            ("$v", state.Version),
            ("$lc", state.LastChangedAt.UtcTicks),
            ("$r", state.StatusReason)))
        {
            command.ExecuteNonQuery();
        }

        if (audit is not null)
        {
            AppendAudit(connection, transaction, audit);
        }
    }

    // ---- audit ----

    public async Task<IReadOnlyList<StoredAuditEntry>> ReadAuditAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, AuditQuery.MaxLimit);
        await using var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null,
            """
            SELECT id, time, migration, actor, action, from_state, to_state, reason, trigger, version FROM audit
            WHERE ($m IS NULL OR migration = $m) AND ($b IS NULL OR id < $b)
            ORDER BY id DESC LIMIT $l
            """,
            ("$m", query.Migration),
            ("$b", query.Before),
            ("$l", query.Limit));
        return ReadAll(command, reader => new StoredAuditEntry(reader.GetInt64(0), new AuditEntry
        {
            Time = Time(reader.GetInt64(1)),
            Migration = reader.GetString(2),
            Actor = reader.GetString(3),
            Action = reader.GetString(4),
            From = reader.GetString(5),
            To = reader.GetString(6),
            Reason = reader.IsDBNull(7) ? null : reader.GetString(7),
            Trigger = Enum.Parse<AuditTrigger>(reader.GetString(8)),
            Version = reader.GetInt64(9),
        }));
    }

    // ---- noise marks ----

    public async Task<IReadOnlyList<NoiseMark>> ReadNoiseMarksAsync(string migration, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null,
            "SELECT path, endpoint, actor, created_at FROM noise_marks WHERE migration = $m ORDER BY path, endpoint",
            ("$m", migration));
        return ReadAll(command, reader => new NoiseMark(
            migration,
            reader.GetString(0),
            reader.GetString(1) is { Length: > 0 } endpoint ? endpoint : null,
            reader.GetString(2),
            Time(reader.GetInt64(3))));
    }

    public Task<bool> AddNoiseMarkAsync(NoiseMark mark, string? reason = null, CancellationToken cancellationToken = default) =>
        WriteAsync((connection, transaction) =>
        {
            using (var insert = Command(connection, transaction,
                "INSERT OR IGNORE INTO noise_marks (migration, endpoint, path, actor, created_at) VALUES ($m, $e, $p, $a, $t)",
                ("$m", mark.Migration),
                ("$e", mark.Endpoint ?? string.Empty),
                ("$p", mark.Path),
                ("$a", mark.Actor),
                ("$t", mark.CreatedAt.UtcTicks)))
            {
                if (insert.ExecuteNonQuery() == 0)
                {
                    return false;
                }
            }

            AppendAudit(connection, transaction, NoiseAudit(connection, transaction, NoiseAuditActions.Mark, mark.Migration, mark.Path, mark.Endpoint, mark.Actor, mark.CreatedAt, reason));
            return true;
        }, cancellationToken);

    public Task<bool> RemoveNoiseMarkAsync(NoiseMarkRemoval removal, CancellationToken cancellationToken = default) =>
        WriteAsync((connection, transaction) =>
        {
            using (var delete = Command(connection, transaction,
                "DELETE FROM noise_marks WHERE migration = $m AND endpoint = $e AND path = $p",
                ("$m", removal.Migration),
                ("$e", removal.Endpoint ?? string.Empty),
                ("$p", removal.Path)))
            {
                if (delete.ExecuteNonQuery() == 0)
                {
                    return false;
                }
            }

            AppendAudit(connection, transaction, NoiseAudit(connection, transaction, NoiseAuditActions.Unmark, removal.Migration, removal.Path, removal.Endpoint, removal.Actor, removal.At, removal.Reason));
            return true;
        }, cancellationToken);

    /// <summary>Checkpoints the WAL into the main file and gives free pages back to the file system.</summary>
    public Task CompactAsync(CancellationToken cancellationToken = default) =>
        WriteUnlessTransactionAsync(connection =>
        {
            SqliteSchema.Execute(connection, null, "PRAGMA incremental_vacuum");
            SqliteSchema.Execute(connection, null, "PRAGMA wal_checkpoint(TRUNCATE)");
        }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (Interlocked.Exchange(ref _writer, null) is { } writer)
        {
            try
            {
                await (await writer.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception) when (writer.IsFaulted)
            {
                // It never opened: nothing to close.
            }
        }

        _writeLock.Dispose();
    }

    // ---- plumbing ----

    private const string StateColumns = "migration, stage_index, stage_name, weight, status, weight_overridden, stage_started_at, version, last_changed_at, status_reason";

    private static RampState ReadState(SqliteDataReader reader) => new()
    {
        Migration = reader.GetString(0),
        StageIndex = reader.GetInt32(1),
        StageName = reader.GetString(2),
        Weight = decimal.Parse(reader.GetString(3), CultureInfo.InvariantCulture),
        Status = Enum.Parse<MigrationStatus>(reader.GetString(4)),
        WeightOverridden = reader.GetBoolean(5),
        StageStartedAt = Time(reader.GetInt64(6)),
        Version = reader.GetInt64(7),
        LastChangedAt = Time(reader.GetInt64(8)),
        StatusReason = reader.IsDBNull(9) ? null : reader.GetString(9),
    };

    private static AuditEntry NoiseAudit(SqliteConnection connection, SqliteTransaction transaction, string action, string migration, string path, string? endpoint, string actor, DateTimeOffset at, string? reason)
    {
        using var version = Command(connection, transaction, "SELECT version FROM ramp_state WHERE migration = $m", ("$m", migration));
        return Storage.NoiseAudit.Create(action, migration, path, endpoint, actor, at, reason, version.ExecuteScalar() is long current ? current : 0);
    }

    private void AppendAudit(SqliteConnection connection, SqliteTransaction transaction, AuditEntry entry)
    {
        using (var insert = Command(connection, transaction,
            """
            INSERT INTO audit (time, migration, actor, action, from_state, to_state, reason, trigger, version)
            VALUES ($t, $m, $a, $ac, $f, $to, $r, $tr, $v)
            """,
            ("$t", entry.Time.UtcTicks),
            ("$m", entry.Migration),
            ("$a", entry.Actor),
            ("$ac", entry.Action),
            ("$f", entry.From),
            ("$to", entry.To),
            ("$r", entry.Reason),
            ("$tr", entry.Trigger.ToString()),
            ("$v", entry.Version)))
        {
            insert.ExecuteNonQuery();
        }

        // Ids grow by one per insert (AUTOINCREMENT, deletes only from the old end), so the bound is a range delete.
        using var prune = Command(connection, transaction, "DELETE FROM audit WHERE id <= last_insert_rowid() - $max", ("$max", _options.MaxAuditEntries));
        prune.ExecuteNonQuery();
    }

    private static DateTimeOffset Time(long utcTicks) => new(utcTicks, TimeSpan.Zero);

    internal static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private static List<T> ReadAll<T>(SqliteCommand command, Func<SqliteDataReader, T> read)
    {
        using var reader = command.ExecuteReader();
        var results = new List<T>();
        while (reader.Read())
        {
            results.Add(read(reader));
        }

        return results;
    }

    private async Task<SqliteConnection> OpenReadAsync(CancellationToken cancellationToken)
    {
        // The writer opens (and migrates) the file first, so readers never see an old schema.
        await EnsureWriterAsync(cancellationToken).ConfigureAwait(false);
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken, Action<SqliteConnection>? afterCommit = null)
    {
        var connection = await EnsureWriterAsync(cancellationToken).ConfigureAwait(false);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            T result;
            using (var transaction = connection.BeginTransaction())
            {
                result = work(connection, transaction);
                transaction.Commit();
            }

            afterCommit?.Invoke(connection);
            return result;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task WriteUnlessTransactionAsync(Action<SqliteConnection> work, CancellationToken cancellationToken)
    {
        var connection = await EnsureWriterAsync(cancellationToken).ConfigureAwait(false);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            work(connection);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private Task<SqliteConnection> EnsureWriterAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var writer = Volatile.Read(ref _writer);
        if (writer is not null && !writer.IsFaulted)
        {
            return writer;
        }

        // A failed open (a bad path, a locked file) is retried by the next caller rather than cached.
        var opening = new Task<SqliteConnection>(OpenWriter);
        var winner = Interlocked.CompareExchange(ref _writer, opening, writer);
        if (winner == writer)
        {
            opening.Start(TaskScheduler.Default);
            return opening.WaitAsync(cancellationToken);
        }

        return (winner ?? throw new ObjectDisposedException(nameof(SqliteStore))).WaitAsync(cancellationToken);
    }

    private SqliteConnection OpenWriter()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();

            // auto_vacuum only takes effect before the first table exists: set it on every open, it is a no-op later.
            SqliteSchema.Execute(connection, null, "PRAGMA auto_vacuum = INCREMENTAL");
            SqliteSchema.Execute(connection, null, "PRAGMA journal_mode = WAL");
            SqliteSchema.Execute(connection, null, "PRAGMA synchronous = NORMAL");
            SqliteSchema.Execute(connection, null, "PRAGMA busy_timeout = 10000");

            // Keep the WAL from staying at its high-water mark after checkpoints.
            SqliteSchema.Execute(connection, null, "PRAGMA journal_size_limit = 67108864");
            var found = SqliteSchema.Migrate(connection);
            if (found != SqliteSchema.Latest)
            {
                LogSchemaMigrated(_logger, FilePath, found, SqliteSchema.Latest);
            }

            return connection;
        }
        catch (Exception ex)
        {
            connection.Dispose();

            // "file is not a database", "unable to open database file": say which file, for the operator.
            throw new IOException($"The SQLite store '{FilePath}' could not be opened: {ex.Message}", ex);
        }
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Store {Path}: schema migrated from version {From} to {To}")]
    private static partial void LogSchemaMigrated(ILogger logger, string path, int from, int to);
}
