using System.Collections.Frozen;
using ShadowProxy.Core.Configuration;
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
            .Select(m => new MigrationRuntime(m, InitialSnapshot(m), metrics.For(m.Name), time))
            .ToList();
        _byName = All.ToFrozenDictionary(m => m.Name, StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyList<MigrationRuntime> All { get; }

    public bool TryGet(string name, out MigrationRuntime runtime) => _byName.TryGetValue(name, out runtime!);

    private static MigrationSnapshot InitialSnapshot(MigrationOptions options)
    {
        var first = options.Ramp.Stages[0];
        return new MigrationSnapshot(options, first.Weight, first.Name, first.Weight == 0 ? "Shadowing" : "Ramping", first.Shadow);
    }
}
