using ShadowProxy.Core.Versions;

namespace ShadowProxy.Core.Storage;

/// <summary>
/// The bounds every store keeps (docs/comparison.md#what-is-stored: storage is bounded), declared once: the SQLite store enforces
/// them in its writer's transaction, the Redis store in its write scripts (atomically across a fleet), and
/// the diff recorder mirrors them in its view of which paths still lack samples.
/// </summary>
/// <param name="SamplesPerPath">Samples kept per migration × endpoint × path (the first ones: a kept example stays put).</param>
/// <param name="MaxSamplesPerMigration">Samples kept per migration; beyond it the oldest go, and their paths may take samples again.</param>
/// <param name="MaxPathsPerMigration">Endpoint × path × kind counters per migration; further ones count under <see cref="Overflow"/>.</param>
/// <param name="MaxAuditEntries">Audit entries kept; the oldest go first.</param>
public sealed record StorageLimits(int SamplesPerPath, int MaxSamplesPerMigration, int MaxPathsPerMigration, int MaxAuditEntries)
{
    /// <summary>The endpoint, path (and kind) of what is counted beyond a bound.</summary>
    public const string Overflow = CandidateVersion.Overflow;

    /// <summary>Endpoints counted per migration; comparisons at further endpoints count under <see cref="Overflow"/>.</summary>
    public const int MaxEndpointsPerMigration = 1000;

    /// <summary>Differences one stored sample lists; the counters count them all.</summary>
    public const int MaxDifferencesPerSample = 200;

    /// <summary>Versions kept per migration (the overflow version takes a place); further versions count under <see cref="Overflow"/>.</summary>
    public const int MaxVersionsPerMigration = CandidateVersion.MaxVersionsPerMigration;

    /// <summary>Per-version difference rows (version × hour × endpoint × path × kind) kept per counter, on average.</summary>
    public const int VersionRowsPerPath = 4;

    /// <summary>Per-version difference rows kept per migration: the oldest hours go first (SQLite) or new rows stop (Redis).</summary>
    public long MaxVersionRows => (long)MaxPathsPerMigration * VersionRowsPerPath;

    /// <summary>Whether a path that holds <paramref name="samples"/> samples takes another.</summary>
    public bool WantsSample(int samples) => samples < SamplesPerPath;

    /// <summary>Migration × endpoint × path keys a view of the sample coverage of <paramref name="migrations"/> migrations tracks.</summary>
    public int MaxCoverageKeys(int migrations) => MaxPathsPerMigration * Math.Max(1, migrations);
}
