using ShadowProxy.Core.Gates;
using ShadowProxy.Migrations;
using ShadowProxy.Storage;
using ShadowProxy.Storage.Redis;

namespace ShadowProxy.Fleet;

/// <summary>
/// The fleet-wide gate window: each instance publishes its own window for the others (for one window)
/// and the decider judges the sum of all live instances' windows.
/// </summary>
internal sealed class GateWindowExchange(RedisStore store, string instanceId)
{
    /// <summary>
    /// The fleet's window of <paramref name="migration"/>: this instance's (published for the others, for
    /// one window) merged with what every other live instance published. Only the local window when
    /// Redis is unreachable (no decision is taken then anyway).
    /// </summary>
    public async Task<WindowStats> FleetWindowAsync(MigrationRuntime migration, WindowStats local)
    {
        if (!store.Connection.IsConnected)
        {
            return local;
        }

        var window = migration.Current.Options.Ramp.Gates.Window;
        var ttl = window > 3 * FleetCoordinator.PollInterval ? window : 3 * FleetCoordinator.PollInterval;
        try
        {
            var others = await store.ExchangeWindowsAsync(migration.Name, instanceId, local, ttl).ConfigureAwait(false);
            return WindowStats.Merge([local, .. others]);
        }
        catch (StoreUnavailableException)
        {
            return local;
        }
    }
}
