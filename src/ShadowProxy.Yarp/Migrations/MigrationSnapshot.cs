using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using ShadowProxy.Core.Cohort;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Ramp;

namespace ShadowProxy.Migrations;

/// <summary>
/// Everything the request path needs to route one request of a migration, immutable and swapped
/// atomically as a whole: a reader sees either the old or the new weight, never a mix.
/// </summary>
internal sealed class MigrationSnapshot
{
    public MigrationSnapshot(MigrationOptions options, RampState state)
    {
        Options = options;
        State = state;
        Weight = state.Weight;
        Threshold = options.IsAudit ? 0 : CohortHasher.Threshold(state.Weight);
        Stage = state.StageName;
        Status = state.Status;
        ShadowEnabled = !options.IsAudit && options.Shadow.Enabled && RampMachine.ShadowEnabled(state, options.Ramp);
        ShadowMethods = options.Shadow.Methods.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        LegacyClusterId = options.Legacy.ClusterId ?? MigrationRuntime.ClusterIdFor(options.Name, "legacy");
        CandidateClusterId = options.Candidate is { } candidate ? candidate.ClusterId ?? MigrationRuntime.ClusterIdFor(options.Name, "candidate") : null;
        LegacyPrefix = DestinationPrefix(options.Legacy.Address);
        CandidatePrefix = options.Candidate is null ? LegacyPrefix : DestinationPrefix(options.Candidate.Address);
        ProbePrefix = DestinationPrefix(options.Diff.NoiseProbe.Address ?? options.Legacy.Address);
    }

    /// <summary>Where noise-probe copies go: <c>Diff:NoiseProbe:Address</c>, else the legacy address; null: a destination of the legacy cluster.</summary>
    public string? ProbePrefix { get; }

    public MigrationOptions Options { get; }

    /// <summary>The ramp state this snapshot was made from.</summary>
    public RampState State { get; }

    /// <summary>Candidate share in percent.</summary>
    public decimal Weight { get; }

    /// <summary>Cohort buckets below this value are served by the candidate.</summary>
    public int Threshold { get; }

    public string Stage { get; }

    public MigrationStatus Status { get; }

    public bool ShadowEnabled { get; }

    public FrozenSet<string> ShadowMethods { get; }

    /// <summary>The YARP cluster legacy is: <c>Legacy:ClusterId</c>, or the cluster generated for <c>Legacy:Address</c>.</summary>
    public string LegacyClusterId { get; }

    /// <summary>The YARP cluster the candidate is (<c>Candidate:ClusterId</c>, or the one generated for its address); null for an audit.</summary>
    public string? CandidateClusterId { get; }

    /// <summary>
    /// The legacy address as the prefix of a shadow request's URI (no trailing slash), computed once, not per request;
    /// null when legacy is a cluster (a destination is picked per copy).
    /// </summary>
    public string? LegacyPrefix { get; }

    /// <summary>The candidate address as the prefix of a shadow request's URI (no trailing slash), null for a cluster; an audit has none (legacy's, never used).</summary>
    public string? CandidatePrefix { get; }

    [return: NotNullIfNotNull(nameof(address))]
    private static string? DestinationPrefix(Uri? address) => address?.GetLeftPart(UriPartial.Path).TrimEnd('/');
}
