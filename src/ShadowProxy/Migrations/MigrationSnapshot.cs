using System.Collections.Frozen;
using ShadowProxy.Core.Cohort;
using ShadowProxy.Core.Configuration;

namespace ShadowProxy.Migrations;

/// <summary>
/// Everything the request path needs to route one request of a migration, immutable and swapped
/// atomically as a whole: a reader sees either the old or the new weight, never a mix.
/// </summary>
internal sealed class MigrationSnapshot
{
    public MigrationSnapshot(MigrationOptions options, decimal weight, string stage, string status, bool stageShadows)
    {
        Options = options;
        Weight = weight;
        Threshold = CohortHasher.Threshold(weight);
        Stage = stage;
        Status = status;
        ShadowEnabled = options.Shadow.Enabled && stageShadows;
        ShadowMethods = options.Shadow.Methods.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
    }

    public MigrationOptions Options { get; }

    /// <summary>Candidate share in percent.</summary>
    public decimal Weight { get; }

    /// <summary>Cohort buckets below this value are served by the candidate.</summary>
    public int Threshold { get; }

    public string Stage { get; }

    public string Status { get; }

    public bool ShadowEnabled { get; }

    public FrozenSet<string> ShadowMethods { get; }
}
