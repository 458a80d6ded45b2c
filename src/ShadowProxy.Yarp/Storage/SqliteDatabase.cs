using Microsoft.Data.Sqlite;

namespace ShadowProxy.Storage;

/// <summary>
/// One SQLite file (WAL), opened and migrated by its writer connection. All writes go through that one
/// connection, serialized by <see cref="_writeLock"/>, which is held only around synchronous work
/// (Microsoft.Data.Sqlite's async methods complete synchronously anyway) and never across an await.
/// Reads use short-lived pooled connections, which WAL lets run beside the writer.
/// </summary>
internal sealed partial class SqliteDatabase : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private Task<SqliteConnection>? _writer;
    private volatile bool _disposed;

    public SqliteDatabase(string path, ILogger logger)
    {
        _logger = logger;
        FilePath = Path.GetFullPath(path);
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

    /// <summary>A read connection of its own; the caller disposes it.</summary>
    public async Task<SqliteConnection> OpenReadAsync(CancellationToken cancellationToken)
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

    /// <summary>Runs <paramref name="work"/> in one transaction of the writer, then <paramref name="afterCommit"/> outside it.</summary>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken, Action<SqliteConnection>? afterCommit = null)
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

    /// <summary>Runs <paramref name="work"/> on the writer outside any transaction (pragmas that cannot run inside one).</summary>
    public async Task WriteUnlessTransactionAsync(Action<SqliteConnection> work, CancellationToken cancellationToken)
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
