using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Ramp;
using ShadowProxy.Core.Storage;
using ShadowProxy.Storage;

namespace ShadowProxy.Migrations;

/// <summary>
/// One instance and its own store: it decides alone, on its own gate window. A lowered weight the store
/// refused stays in force and is saved, with its audit entries in order, once the store answers again.
/// </summary>
internal sealed class LocalRampPersistence(IStateStore store) : IRampPersistence
{
    public string InstanceId => Environment.MachineName;

    public bool IsConnected => true;

    public bool IsDecider => true;

    public Task<WindowStats> GateWindowAsync(MigrationRuntime migration, WindowStats local) => Task.FromResult(local);

    public async Task<RampState?> SaveAsync(RampState state, AuditEntry? audit, CancellationToken cancellationToken)
    {
        await store.SaveStateAsync(state, audit, cancellationToken).ConfigureAwait(false);
        return null;
    }

    public bool KeepsUnsaved(RampResult change) => true;

    /// <summary>Writes each pending audit entry with the state in force.</summary>
    public Task<bool> SaveUnsavedAsync(MigrationRuntime migration, CancellationToken cancellationToken) =>
        migration.SaveUnsavedAsync(change => store.SaveStateAsync(migration.Current.State, change.Audit, cancellationToken));

    public StoreUnavailableException Unavailable(Exception? inner = null) => new("The store cannot be reached; retry later.", inner);
}
