using ShadowProxy.Core.Ramp;

namespace ShadowProxy.Core.Storage;

/// <summary>
/// What noise and candidate versions (docs/comparison.md#noise) add to the store besides the diff counters: the candidate version declared through the API,
/// the counts per candidate version (and hour, for <c>since=</c>), and what the noise probe learned.
/// </summary>
public interface ISignalStore
{
    /// <summary>Saves the version declared for the candidate and its audit entry in one transaction.</summary>
    Task DeclareVersionAsync(string migration, string version, AuditEntry audit, CancellationToken cancellationToken = default);

    /// <summary>The version last declared, or null.</summary>
    Task<string?> ReadDeclaredVersionAsync(string migration, CancellationToken cancellationToken = default);

    /// <summary>Counts per version: versions, comparisons per endpoint and counts per endpoint × path × kind, summed over time.</summary>
    Task<VersionCounts> ReadVersionCountsAsync(string migration, CancellationToken cancellationToken = default);

    /// <summary>Replaces the probe noise stored for <paramref name="migration"/> (endpoint → folded paths).</summary>
    Task SaveProbeNoiseAsync(string migration, IReadOnlyDictionary<string, IReadOnlyList<string>> noise, CancellationToken cancellationToken = default);

    Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> ReadProbeNoiseAsync(string migration, CancellationToken cancellationToken = default);
}

/// <summary>One candidate version as the versions endpoint lists it.</summary>
/// <param name="Diffs">Comparisons with a difference that was not noise when compared.</param>
public sealed record VersionInfo(string Version, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, long Comparisons, long Diffs)
{
    public double DiffRate => Comparisons == 0 ? 0 : (double)Diffs / Comparisons;
}

public sealed record VersionEndpointCount(string Version, string Endpoint, long Comparisons);

public sealed record VersionPathCount(string Version, string Endpoint, string Path, string Kind, long Count);

public sealed record VersionCounts(IReadOnlyList<VersionInfo> Versions, IReadOnlyList<VersionEndpointCount> Endpoints, IReadOnlyList<VersionPathCount> Paths)
{
    public static readonly VersionCounts Empty = new([], [], []);
}
