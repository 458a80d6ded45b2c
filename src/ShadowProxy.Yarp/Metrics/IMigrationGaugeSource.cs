using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Ramp;

namespace ShadowProxy.Metrics;

/// <summary>The migrations as the on-call gauges show them, read at each scrape (the migration registry).</summary>
internal interface IMigrationGaugeSource
{
    IEnumerable<MigrationGauges> Gauges();
}

/// <summary>One migration at a scrape: its ramp state in force, the last gate report, and whether a change in force here is not saved yet.</summary>
internal readonly record struct MigrationGauges(string Name, RampState State, GateReport? LastGateReport, bool HasUnsaved);
