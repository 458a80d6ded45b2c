using ShadowProxy.Core.Ramp;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Storage;

internal sealed partial class SqliteStore : ISignalStore
{
    public Task DeclareVersionAsync(string migration, string version, AuditEntry audit, CancellationToken cancellationToken = default) =>
        WriteAsync((connection, transaction) =>
        {
            using (var upsert = Command(connection, transaction,
                """
                INSERT INTO declared_versions (migration, version, declared_at) VALUES ($m, $v, $t)
                ON CONFLICT (migration) DO UPDATE SET version = excluded.version, declared_at = excluded.declared_at
                """,
                ("$m", migration), ("$v", version), ("$t", audit.Time.UtcTicks)))
            {
                upsert.ExecuteNonQuery();
            }

            AppendAudit(connection, transaction, audit);
            return true;
        }, cancellationToken);

    public async Task<string?> ReadDeclaredVersionAsync(string migration, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null, "SELECT version FROM declared_versions WHERE migration = $m", ("$m", migration));
        return command.ExecuteScalar() as string;
    }

    public async Task<VersionCounts> ReadVersionCountsAsync(string migration, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction(deferred: true);
        using var versions = Command(connection, transaction,
            "SELECT version, first_seen, last_seen, comparisons, diffs FROM versions WHERE migration = $m ORDER BY first_seen", ("$m", migration));
        using var endpoints = Command(connection, transaction,
            "SELECT version, endpoint, SUM(comparisons) FROM version_endpoint_counts WHERE migration = $m GROUP BY version, endpoint", ("$m", migration));
        using var paths = Command(connection, transaction,
            "SELECT version, endpoint, path, kind, SUM(count) FROM version_diff_counts WHERE migration = $m GROUP BY version, endpoint, path, kind", ("$m", migration));
        return new VersionCounts(
            ReadAll(versions, r => new VersionInfo(r.GetString(0), Time(r.GetInt64(1)), Time(r.GetInt64(2)), r.GetInt64(3), r.GetInt64(4))),
            ReadAll(endpoints, r => new VersionEndpointCount(r.GetString(0), r.GetString(1), r.GetInt64(2))),
            ReadAll(paths, r => new VersionPathCount(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4))));
    }

    public Task SaveProbeNoiseAsync(string migration, IReadOnlyDictionary<string, IReadOnlyList<string>> noise, CancellationToken cancellationToken = default) =>
        WriteAsync((connection, transaction) =>
        {
            using (var clear = Command(connection, transaction, "DELETE FROM probe_noise WHERE migration = $m", ("$m", migration)))
            {
                clear.ExecuteNonQuery();
            }

            foreach (var (endpoint, paths) in noise)
            {
                foreach (var path in paths)
                {
                    using var insert = Command(connection, transaction, "INSERT OR IGNORE INTO probe_noise (migration, endpoint, path) VALUES ($m, $e, $p)",
                        ("$m", migration), ("$e", endpoint), ("$p", path));
                    insert.ExecuteNonQuery();
                }
            }

            return true;
        }, cancellationToken);

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> ReadProbeNoiseAsync(string migration, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null, "SELECT endpoint, path FROM probe_noise WHERE migration = $m", ("$m", migration));
        return ReadAll(command, r => (Endpoint: r.GetString(0), Path: r.GetString(1)))
            .GroupBy(r => r.Endpoint, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(r => r.Path).ToList(), StringComparer.Ordinal);
    }
}
