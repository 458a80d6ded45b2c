using Microsoft.Data.Sqlite;
using ShadowProxy.Configuration;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Storage;

/// <summary>
/// State, audit, noise marks, diffs, the replay corpus and the shared counters in one SQLite file
/// (<see cref="SqliteDatabase"/>: one writer connection, pooled readers), within the <see cref="StorageLimits"/>.
/// </summary>
internal sealed partial class SqliteStore : IDiffStore, IAsyncDisposable
{
    private readonly StorageLimits _limits;
    private readonly TimeProvider _time;
    private readonly SqliteDatabase _database;

    public SqliteStore(StoreOptions options, ILogger<SqliteStore> logger, TimeProvider time)
    {
        _limits = options.Limits();
        _time = time;
        _database = new SqliteDatabase(options.Sqlite.Path, logger);
    }

    public string FilePath => _database.FilePath;

    /// <summary>Checkpoints the WAL into the main file and gives free pages back to the file system.</summary>
    public Task CompactAsync(CancellationToken cancellationToken = default) =>
        _database.WriteUnlessTransactionAsync(connection =>
        {
            SqliteSchema.Execute(connection, null, "PRAGMA incremental_vacuum");
            SqliteSchema.Execute(connection, null, "PRAGMA wal_checkpoint(TRUNCATE)");
        }, cancellationToken);

    public ValueTask DisposeAsync() => _database.DisposeAsync();

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

    private static DateTimeOffset Time(long utcTicks) => new(utcTicks, TimeSpan.Zero);

    private Task<SqliteConnection> OpenReadAsync(CancellationToken cancellationToken) => _database.OpenReadAsync(cancellationToken);

    private Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken, Action<SqliteConnection>? afterCommit = null) =>
        _database.WriteAsync(work, cancellationToken, afterCommit);
}
