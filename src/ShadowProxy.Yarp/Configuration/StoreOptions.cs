namespace ShadowProxy.Configuration;

/// <summary>The store and its bounds (docs/comparison.md#what-is-stored): samples, paths and audit entries kept.</summary>
internal sealed record StoreOptions
{
    public StoreProvider Provider { get; init; } = StoreProvider.Sqlite;

    public SqliteStoreOptions Sqlite { get; init; } = new();

    public RedisStoreOptions Redis { get; init; } = new();

    /// <summary>Samples kept per migration × endpoint × path; the rest only count.</summary>
    public int SamplesPerPath { get; init; } = 5;

    /// <summary>Upper bound on stored samples per migration, whatever the number of paths.</summary>
    public int MaxSamplesPerMigration { get; init; } = 5000;

    /// <summary>Upper bound on distinct endpoint × path × kind counters per migration.</summary>
    public int MaxPathsPerMigration { get; init; } = 20000;

    /// <summary>Audit entries kept; older ones are deleted.</summary>
    public int MaxAuditEntries { get; init; } = 100_000;
}
