using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Ramp;
using ShadowProxy.Storage;

namespace ShadowProxy.Migrations;

/// <summary>
/// Where the controller saves the ramp state, chosen once at start with the store: this instance's own
/// store (<see cref="LocalRampPersistence"/>), or the fleet's Redis shared by compare-and-set, where one
/// instance at a time decides on the fleet's merged gate windows (docs/architecture.md#fleet-mode).
/// </summary>
internal interface IRampPersistence
{
    /// <summary>The instance notifications name.</summary>
    string InstanceId { get; }

    /// <summary>False while a shared store is unreachable: then only a rollback is accepted, in force here and saved later.</summary>
    bool IsConnected { get; }

    /// <summary>True when this instance advances and rolls back on its own (alone, or the holder of the fleet's lease).</summary>
    bool IsDecider { get; }

    /// <summary>The window the gates are judged on: this instance's <paramref name="local"/> one, or the fleet's merged with it.</summary>
    Task<WindowStats> GateWindowAsync(MigrationRuntime migration, WindowStats local);

    /// <summary>Saves <paramref name="state"/>; null when saved, or the state another instance wrote first (the change is then not saved).</summary>
    Task<RampState?> SaveAsync(RampState state, AuditEntry? audit, CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="change"/>, a lowered weight the store refused, stays in force here until it can be saved.</summary>
    bool KeepsUnsaved(RampResult change);

    /// <summary>Saves what <paramref name="migration"/> keeps unsaved, when this persistence does so itself; true when something was saved. Called under the change lock.</summary>
    Task<bool> SaveUnsavedAsync(MigrationRuntime migration, CancellationToken cancellationToken);

    /// <summary>The 503 for a change refused because the store is unreachable.</summary>
    StoreUnavailableException Unavailable(Exception? inner = null);
}
