using ShadowProxy.Core.Storage;
using ShadowProxy.Migrations;

namespace ShadowProxy.Signal;

/// <summary>
/// Keeps the noise probe's and the candidate versions' run-time knowledge (docs/comparison.md#noise) in step with the store: at start it restores what the noise probe learned
/// (so that a restart does not turn a timestamp back into a real difference and fail the diff-rate gate while
/// the probe re-learns) and the declared candidate version; then every few seconds it saves probe noise that
/// changed, and reads the declared version again (another instance of a fleet may have declared one).
/// Store failures are logged and retried on the next round; nothing here is on the request path.
/// </summary>
internal sealed partial class SignalKeeper(MigrationRegistry registry, ISignalStore store, TimeProvider time, ILogger<SignalKeeper> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private readonly Dictionary<string, long> _savedChanges = new(StringComparer.OrdinalIgnoreCase);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var migration in registry.All)
        {
            try
            {
                migration.Probe.Restore(await store.ReadProbeNoiseAsync(migration.Name, cancellationToken).ConfigureAwait(false));
                migration.DeclareVersion(await store.ReadDeclaredVersionAsync(migration.Name, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogStoreFailed(logger, migration.Name, ex);
            }
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                foreach (var migration in registry.All)
                {
                    await SyncAsync(migration, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SyncAsync(MigrationRuntime migration, CancellationToken cancellationToken)
    {
        try
        {
            var changes = migration.Probe.Changes;
            if (changes != _savedChanges.GetValueOrDefault(migration.Name))
            {
                var learned = migration.Probe.Learned.ToDictionary(e => e.Key, e => (IReadOnlyList<string>)[.. e.Value], StringComparer.Ordinal);
                await store.SaveProbeNoiseAsync(migration.Name, learned, cancellationToken).ConfigureAwait(false);
                _savedChanges[migration.Name] = changes;
            }

            if (await store.ReadDeclaredVersionAsync(migration.Name, cancellationToken).ConfigureAwait(false) is { } declared)
            {
                migration.DeclareVersion(declared);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogStoreFailed(logger, migration.Name, ex);
        }
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Warning, Message = "Probe noise or declared version of {Migration} not synchronized with the store; retrying")]
    private static partial void LogStoreFailed(ILogger logger, string migration, Exception exception);
}
