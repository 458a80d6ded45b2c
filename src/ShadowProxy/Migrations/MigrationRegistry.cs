using System.Collections.Frozen;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Ramp;
using ShadowProxy.Metrics;

namespace ShadowProxy.Migrations;

/// <summary>All configured migrations by name (case-insensitive).</summary>
internal sealed class MigrationRegistry
{
    /// <summary>Route metadata key that tags a YARP route as belonging to a migration.</summary>
    public const string RouteMetadataKey = "ShadowProxy.Migration";

    private readonly FrozenDictionary<string, MigrationRuntime> _byName;

    public MigrationRegistry(ShadowProxyOptions options, ProxyMetrics metrics, TimeProvider time)
    {
        All = options.Migrations
            .Select(m => new MigrationRuntime(m, InitialSnapshot(m, time), metrics.For(m.Name), time))
            .ToList();
        _byName = All.ToFrozenDictionary(m => m.Name, StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyList<MigrationRuntime> All { get; }

    public bool TryGet(string name, out MigrationRuntime runtime) => _byName.TryGetValue(name, out runtime!);

    // Until the controller restores the persisted state at start-up, a migration serves as its first stage.
    private static MigrationSnapshot InitialSnapshot(MigrationOptions options, TimeProvider time) =>
        new(options, RampState.Initial(options.Name, options.Ramp, time.GetUtcNow()));
}
