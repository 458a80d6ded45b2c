using Microsoft.Data.Sqlite;

namespace ShadowProxy.Storage;

/// <summary>
/// The SQLite schema as forward migrations: <see cref="Versions"/>[i] takes a database from version i
/// to i + 1. Append to the list; never edit a version that has shipped.
/// </summary>
internal static class SqliteSchema
{
    private static readonly string[] Versions =
    [
        """
        CREATE TABLE ramp_state (
            migration TEXT NOT NULL PRIMARY KEY,
            stage_index INTEGER NOT NULL,
            stage_name TEXT NOT NULL,
            weight TEXT NOT NULL,
            status TEXT NOT NULL,
            weight_overridden INTEGER NOT NULL,
            stage_started_at INTEGER NOT NULL,
            version INTEGER NOT NULL,
            last_changed_at INTEGER NOT NULL,
            status_reason TEXT
        );
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            time INTEGER NOT NULL,
            migration TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            from_state TEXT NOT NULL,
            to_state TEXT NOT NULL,
            reason TEXT,
            trigger TEXT NOT NULL,
            version INTEGER NOT NULL
        );
        CREATE INDEX audit_by_migration ON audit (migration, id);
        CREATE TABLE noise_marks (
            migration TEXT NOT NULL,
            endpoint TEXT NOT NULL, -- '' = every endpoint
            path TEXT NOT NULL,
            actor TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (migration, endpoint, path)
        ) WITHOUT ROWID;
        CREATE TABLE endpoint_counts (
            migration TEXT NOT NULL,
            endpoint TEXT NOT NULL,
            matches INTEGER NOT NULL,
            diffs INTEGER NOT NULL,
            noise INTEGER NOT NULL,
            PRIMARY KEY (migration, endpoint)
        ) WITHOUT ROWID;
        CREATE TABLE diff_counters (
            id INTEGER PRIMARY KEY,
            migration TEXT NOT NULL,
            endpoint TEXT NOT NULL,
            path TEXT NOT NULL,
            kind TEXT NOT NULL,
            count INTEGER NOT NULL,
            noise_count INTEGER NOT NULL,
            is_noise INTEGER NOT NULL,
            first_seen INTEGER NOT NULL,
            last_seen INTEGER NOT NULL,
            UNIQUE (migration, endpoint, path, kind)
        );
        CREATE TABLE samples (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            migration TEXT NOT NULL,
            endpoint TEXT NOT NULL,
            time INTEGER NOT NULL,
            method TEXT NOT NULL,
            path_query TEXT NOT NULL,
            legacy_status INTEGER NOT NULL,
            candidate_status INTEGER NOT NULL,
            diff_count INTEGER NOT NULL,
            payload TEXT NOT NULL
        );
        CREATE INDEX samples_by_endpoint ON samples (migration, endpoint, id);
        CREATE INDEX samples_by_migration ON samples (migration, id);
        CREATE TABLE sample_paths (
            migration TEXT NOT NULL,
            endpoint TEXT NOT NULL,
            path TEXT NOT NULL,
            sample_id INTEGER NOT NULL,
            PRIMARY KEY (migration, endpoint, path, sample_id)
        ) WITHOUT ROWID;
        CREATE INDEX sample_paths_by_sample ON sample_paths (sample_id);
        """,
        """
        CREATE TABLE replay_exchanges (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            migration TEXT NOT NULL,
            endpoint TEXT NOT NULL,
            time INTEGER NOT NULL,
            payload TEXT NOT NULL
        );
        CREATE INDEX replay_exchanges_by_endpoint ON replay_exchanges (migration, endpoint, id);
        """,
        """
        ALTER TABLE diff_counters ADD COLUMN candidate_path TEXT;
        CREATE TABLE versions (
            migration TEXT NOT NULL,
            version TEXT NOT NULL,
            first_seen INTEGER NOT NULL,
            last_seen INTEGER NOT NULL,
            comparisons INTEGER NOT NULL,
            diffs INTEGER NOT NULL,
            PRIMARY KEY (migration, version)
        ) WITHOUT ROWID;
        CREATE TABLE version_endpoint_counts (
            migration TEXT NOT NULL,
            version TEXT NOT NULL,
            hour INTEGER NOT NULL,
            endpoint TEXT NOT NULL,
            comparisons INTEGER NOT NULL,
            PRIMARY KEY (migration, version, hour, endpoint)
        ) WITHOUT ROWID;
        CREATE TABLE version_diff_counts (
            migration TEXT NOT NULL,
            version TEXT NOT NULL,
            hour INTEGER NOT NULL,
            endpoint TEXT NOT NULL,
            path TEXT NOT NULL,
            kind TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (migration, version, hour, endpoint, path, kind)
        ) WITHOUT ROWID;
        CREATE TABLE declared_versions (
            migration TEXT NOT NULL PRIMARY KEY,
            version TEXT NOT NULL,
            declared_at INTEGER NOT NULL
        );
        CREATE TABLE probe_noise (
            migration TEXT NOT NULL,
            endpoint TEXT NOT NULL,
            path TEXT NOT NULL,
            PRIMARY KEY (migration, endpoint, path)
        ) WITHOUT ROWID;
        """,
        """
        CREATE TABLE shared_counters (
            migration TEXT NOT NULL,
            key TEXT NOT NULL,
            value INTEGER NOT NULL,
            PRIMARY KEY (migration, key)
        ) WITHOUT ROWID;
        CREATE TABLE rate_history (
            migration TEXT NOT NULL,
            slot INTEGER NOT NULL,
            time INTEGER NOT NULL,
            legacy INTEGER NOT NULL,
            candidate INTEGER NOT NULL,
            match INTEGER NOT NULL,
            diff INTEGER NOT NULL,
            noise INTEGER NOT NULL,
            PRIMARY KEY (migration, slot)
        ) WITHOUT ROWID;
        """,
        """
        CREATE TABLE endpoint_folds (
            migration TEXT NOT NULL,
            fold TEXT NOT NULL,
            kept TEXT NOT NULL,
            PRIMARY KEY (migration, fold)
        ) WITHOUT ROWID;
        CREATE TABLE endpoint_seen (
            migration TEXT NOT NULL,
            endpoint TEXT NOT NULL,
            first_seen INTEGER NOT NULL,
            last_seen INTEGER NOT NULL,
            last_diff INTEGER NOT NULL,
            max_response INTEGER NOT NULL,
            max_request INTEGER NOT NULL,
            PRIMARY KEY (migration, endpoint)
        ) WITHOUT ROWID;
        """,
    ];

    public static int Latest => Versions.Length;

    /// <summary>Brings the database to <see cref="Latest"/>; returns the version it found.</summary>
    public static int Migrate(SqliteConnection connection)
    {
        Execute(connection, null, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
        var found = Convert.ToInt32(Scalar(connection, "SELECT COALESCE(MAX(version), 0) FROM schema_version"), System.Globalization.CultureInfo.InvariantCulture);
        if (found > Latest)
        {
            throw new InvalidOperationException($"The database has schema version {found}, newer than this build knows ({Latest}); use a newer ShadowProxy or another Store:Sqlite:Path.");
        }

        for (var version = found; version < Latest; version++)
        {
            using var transaction = connection.BeginTransaction();
            Execute(connection, transaction, Versions[version]);
            Execute(connection, transaction, "DELETE FROM schema_version; INSERT INTO schema_version (version) VALUES (" + (version + 1) + ")");
            transaction.Commit();
        }

        return found;
    }

    public static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
