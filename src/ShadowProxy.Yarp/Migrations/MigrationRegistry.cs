using System.Collections.Frozen;
using ShadowProxy.Configuration;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Ramp;
using ShadowProxy.Metrics;

namespace ShadowProxy.Migrations;

/// <summary>All configured migrations by name (case-insensitive).</summary>
internal sealed class MigrationRegistry : IMigrationGaugeSource
{
    /// <summary>Route metadata key that tags a YARP route as belonging to a migration.</summary>
    public const string RouteMetadataKey = "ShadowProxy.Migration";

    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly Lock _changes = new();
    private Migrations _current;

    public MigrationRegistry(ShadowProxyOptions options, ProxyMetrics metrics, TimeProvider time)
    {
        _metrics = metrics;
        _time = time;
        _current = new Migrations(options.Migrations.Select(Create).ToList());
    }

    public IReadOnlyList<MigrationRuntime> All => Volatile.Read(ref _current).All;

    public IEnumerable<MigrationGauges> Gauges() => All.Select(m => new MigrationGauges(m.Name, m.Current.State, m.LastGateReport, m.HasUnsaved));

    public bool TryGet(string name, out MigrationRuntime runtime) => Volatile.Read(ref _current).ByName.TryGetValue(name, out runtime!);

    /// <summary>A runtime for a migration added by a configuration reload; not yet in the registry.</summary>
    public MigrationRuntime Create(MigrationOptions options) => new(options, InitialSnapshot(options, _time), _metrics.For(options.Name), _time);

    /// <summary>Makes <paramref name="runtime"/> visible to requests and the admin API.</summary>
    public void Add(MigrationRuntime runtime)
    {
        lock (_changes)
        {
            Volatile.Write(ref _current, new Migrations([.. _current.All.Where(m => !m.Name.Equals(runtime.Name, StringComparison.OrdinalIgnoreCase)), runtime]));
        }
    }

    public void Remove(string name)
    {
        lock (_changes)
        {
            Volatile.Write(ref _current, new Migrations(_current.All.Where(m => !m.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).ToList()));
        }
    }

    /// <summary>One immutable set of migrations, swapped whole so that readers never see half a change.</summary>
    private sealed class Migrations(IReadOnlyList<MigrationRuntime> all)
    {
        public IReadOnlyList<MigrationRuntime> All { get; } = all;

        public FrozenDictionary<string, MigrationRuntime> ByName { get; } = all.ToFrozenDictionary(m => m.Name, StringComparer.OrdinalIgnoreCase);
    }

    // Until the controller restores the persisted state at start-up, a migration serves as its first stage.
    private static MigrationSnapshot InitialSnapshot(MigrationOptions options, TimeProvider time) =>
        new(options, RampState.Initial(options.Name, options.Ramp, time.GetUtcNow()));
}
