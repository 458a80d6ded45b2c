using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Ramp;
using ShadowProxy.Migrations;
using ShadowProxy.Storage;

namespace ShadowProxy.Fleet;

/// <summary>
/// Fleet mode: the ramp state lives in Redis, every save a compare-and-set on its version; the lease
/// holder decides on the fleet's merged windows. While Redis is unreachable only a rollback is accepted:
/// in force here at once, and written by the <see cref="FleetCoordinator"/> once Redis is back.
/// </summary>
internal sealed class FleetRampPersistence(FleetCoordinator coordinator) : IRampPersistence
{
    public string InstanceId => coordinator.InstanceId;

    public bool IsConnected => coordinator.IsConnected;

    public bool IsDecider => coordinator.IsDecider;

    public Task<WindowStats> GateWindowAsync(MigrationRuntime migration, WindowStats local) => coordinator.Windows.FleetWindowAsync(migration, local);

    public Task<RampState?> SaveAsync(RampState state, AuditEntry? audit, CancellationToken cancellationToken) => coordinator.Store.CompareAndSaveAsync(state, audit);

    /// <summary>Only a rollback stays in force without the store.</summary>
    public bool KeepsUnsaved(RampResult change) => change.State.Status == MigrationStatus.RolledBack && !change.IsRefused;

    /// <summary>Nothing here: the coordinator replays an unsaved rollback on top of what Redis holds.</summary>
    public Task<bool> SaveUnsavedAsync(MigrationRuntime migration, CancellationToken cancellationToken) => Task.FromResult(false);

    public StoreUnavailableException Unavailable(Exception? inner = null) => new(
        coordinator.Unreachable + ". Only a rollback is accepted while the shared store is down (it applies on this instance at once and reaches the fleet when Redis is back); retry other changes later.",
        inner);
}
