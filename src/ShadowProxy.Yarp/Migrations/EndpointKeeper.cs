using System.Collections.Concurrent;
using ShadowProxy.Core.Endpoints;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Migrations;

/// <summary>
/// Keeps each migration's endpoint names and inventory in step with the store (docs/admin-api.md#endpoint-inventory):
/// every <see cref="Interval"/> it stores the templates learned here and applies those learned anywhere (so every
/// instance, and the next start, names endpoints the same), and stores the inventory's extremes; the inventory's
/// counts travel with the <see cref="SharedCounters"/>. <see cref="InventoryAsync"/> reads the fleet-wide inventory.
/// </summary>
internal sealed partial class EndpointKeeper(
    MigrationRegistry registry,
    EndpointInventory inventory,
    SharedCounters counters,
    IEndpointStore store,
    TimeProvider time,
    ILogger<EndpointKeeper> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    // What was stored last per migration and endpoint, so that unchanged extremes are not written again.
    private readonly ConcurrentDictionary<string, Dictionary<string, EndpointSeen>> _stored = new(StringComparer.OrdinalIgnoreCase);

    // Migrations whose learned templates could not be written.
    private readonly ConcurrentDictionary<string, bool> _unsaved = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The inventory of <paramref name="migration"/> over every instance and since the first start, as it is named now:
    /// <see cref="InventoryView.Build"/> over <see cref="SharedCounters.CountersAsync"/> and the stored extremes.
    /// </summary>
    public async Task<IReadOnlyList<InventoryEntry>> InventoryAsync(MigrationRuntime migration, CancellationToken cancellationToken)
    {
        var merged = await counters.CountersAsync(migration, cancellationToken).ConfigureAwait(false);
        var seen = await store.ReadSeenAsync(migration.Name, cancellationToken).ConfigureAwait(false);
        var gates = migration.Current.Options.Ramp.Gates;
        return InventoryView.Build(merged, seen.Concat(inventory.ExportSeen(migration.Name)), migration.Endpoints.Rename,
            gates.MinSamples, gates.Window, time.GetUtcNow());
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            await SyncAllAsync(stoppingToken).ConfigureAwait(false);
        }
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await SyncAllAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One round for every migration; public for tests.</summary>
    public async Task SyncAllAsync(CancellationToken cancellationToken)
    {
        foreach (var migration in registry.All)
        {
            try
            {
                await SyncAsync(migration, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSyncFailed(logger, migration.Name, ex.Message);
            }
        }
    }

    private async Task SyncAsync(MigrationRuntime migration, CancellationToken cancellationToken)
    {
        var learner = migration.Endpoints.Learner;
        var learned = learner.TakeUnsaved();
        if (learned.Count > 0 || _unsaved.ContainsKey(migration.Name))
        {
            // After a failed write, every fold in force is written again (stored folds stay as they are).
            var folds = _unsaved.TryRemove(migration.Name, out _) ? learner.Folds() : learned;
            try
            {
                await store.AddFoldsAsync(migration.Name, folds, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                _unsaved[migration.Name] = true;
                throw;
            }
        }

        foreach (var fold in await store.ReadFoldsAsync(migration.Name, cancellationToken).ConfigureAwait(false))
        {
            learner.Apply(fold);
        }

        var stored = _stored.GetOrAdd(migration.Name, _ => new Dictionary<string, EndpointSeen>(StringComparer.Ordinal));
        var changed = inventory.ExportSeen(migration.Name).Where(s => !stored.TryGetValue(s.Endpoint, out var last) || last != s).ToList();
        if (changed.Count > 0)
        {
            await store.AddSeenAsync(migration.Name, changed, cancellationToken).ConfigureAwait(false);
            foreach (var row in changed)
            {
                stored[row.Endpoint] = row;
            }
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 520, Level = LogLevel.Warning, Message = "Endpoint templates and inventory of {Migration} not stored, tried again next round: {Reason}")]
    private static partial void LogSyncFailed(ILogger logger, string migration, string reason);
}
