using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Ramp;
using ShadowProxy.Core.Storage;
using ShadowProxy.Notifications;
using ShadowProxy.Storage;

namespace ShadowProxy.Migrations;

/// <summary>
/// Owns every state change of the migrations: restores the persisted ramp state at start-up (before
/// the listeners open), applies admin commands, and evaluates the gates on a timer for automatic
/// advance and rollback. Changes of one migration are serialized; the request path only ever sees
/// the published snapshot.
/// </summary>
/// <remarks>
/// Every save goes through <paramref name="persistence"/>. In fleet mode a save is a compare-and-set on
/// the version in Redis, and a writer that loses re-runs its command on the winning state; gates are
/// judged on the fleet's merged window and only the lease holder advances or rolls back on its own;
/// while Redis is unreachable every change but a rollback is refused (<see cref="StoreUnavailableException"/>,
/// 503), and a rollback applies locally and stays unsaved until the fleet coordinator writes it.
/// </remarks>
internal sealed class MigrationController(
    MigrationRegistry registry,
    IStateStore store,
    IRampPersistence persistence,
    TimeProvider time,
    ILogger<MigrationController> logger,
    WebhookNotifier? notifier = null) : BackgroundService
{
    public static readonly TimeSpan EvaluationInterval = TimeSpan.FromSeconds(1);

    private readonly RampWriter _writer = new(persistence, time, logger, notifier);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var migration in registry.All)
        {
            await RestoreAsync(migration, cancellationToken).ConfigureAwait(false);
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(EvaluationInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                foreach (var migration in registry.All)
                {
                    try
                    {
                        await _writer.SaveUnsavedAsync(migration, stoppingToken).ConfigureAwait(false);
                        await EvaluateAsync(migration, stoppingToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        MigrationLog.EvaluationFailed(logger, migration.Name, ex);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One evaluation of the gates of <paramref name="migration"/>; public for tests that drive time.</summary>
    public async Task EvaluateAsync(MigrationRuntime migration, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var options = migration.Current.Options;
        if (options.IsAudit)
        {
            // An audit has no candidate to judge: no gates, no ramp (its weight is 0 whatever the state says).
            return;
        }

        var window = await persistence.GateWindowAsync(migration, migration.GateSnapshot(now)).ConfigureAwait(false);
        var report = GateEvaluator.Evaluate(window, options.Ramp.Gates);
        var previous = migration.RecordGateReport(report);
        if (report.Verdict == GateVerdict.Fail && previous?.Verdict != GateVerdict.Fail && persistence.IsDecider)
        {
            // Once per failure (not every second it lasts), by the one instance that decides.
            _writer.NotifyGateFailed(migration, report, now);
        }

        if (!persistence.IsDecider)
        {
            // Another instance decides. While Redis is unreachable nobody does: no raise on one's own,
            // but this instance's own window may still roll it back (locally, written once Redis is back).
            var protect = !persistence.IsConnected && options.Ramp.AutomaticRollback && report.Verdict == GateVerdict.Fail && migration.Current.Weight > 0;
            if (!protect)
            {
                return;
            }
        }

        await _writer.ChangeAsync(migration, state => RampMachine.Evaluate(state, options.Ramp, report, now), cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);

        // A rollback made while the store was failing must not be lost with the process.
        foreach (var migration in registry.All)
        {
            await _writer.SaveUnsavedAsync(migration, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<RampResult> PromoteAsync(MigrationRuntime migration, string actor, string? reason, CancellationToken cancellationToken) =>
        _writer.ChangeAsync(migration, state => RampMachine.Promote(state, migration.Current.Options.Ramp, actor, time.GetUtcNow(), reason), cancellationToken);

    public Task<RampResult> SetWeightAsync(MigrationRuntime migration, decimal weight, string actor, string? reason, CancellationToken cancellationToken) =>
        _writer.ChangeAsync(migration, state => RampMachine.SetWeight(state, migration.Current.Options.Ramp, weight, actor, time.GetUtcNow(), reason), cancellationToken);

    public Task<RampResult> PauseAsync(MigrationRuntime migration, string actor, string? reason, CancellationToken cancellationToken) =>
        _writer.ChangeAsync(migration, state => RampMachine.Pause(state, migration.Current.Options.Ramp, actor, time.GetUtcNow(), reason), cancellationToken);

    public Task<RampResult> ResumeAsync(MigrationRuntime migration, string actor, string? reason, CancellationToken cancellationToken) =>
        _writer.ChangeAsync(migration, state => RampMachine.Resume(state, migration.Current.Options.Ramp, actor, time.GetUtcNow(), reason), cancellationToken);

    public Task<RampResult> RollbackAsync(MigrationRuntime migration, string actor, string? reason, CancellationToken cancellationToken) =>
        _writer.ChangeAsync(migration, state => RampMachine.Rollback(state, migration.Current.Options.Ramp, actor, AuditTrigger.Manual, reason, time.GetUtcNow()), cancellationToken);

    /// <summary>
    /// A configuration reload of an existing migration: the ramp state is fitted to the new stages
    /// (never raising a weight), the new options are in force for the next request, and a changed
    /// state is saved and audited.
    /// </summary>
    public async Task ApplyOptionsAsync(MigrationRuntime migration, MigrationOptions options, CancellationToken cancellationToken)
    {
        RampResult fitted;
        await migration.ChangeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            fitted = RampMachine.Restore(migration.Current.State, options.Ramp, time.GetUtcNow());
            migration.ApplyOptions(options, fitted.State);
        }
        finally
        {
            migration.ChangeLock.Release();
        }

        if (!fitted.IsChanged)
        {
            return;
        }

        MigrationLog.Change(logger, migration.Name, fitted.Audit?.ToString() ?? fitted.State.Describe());
        try
        {
            await persistence.SaveAsync(fitted.State, fitted.Audit, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A fitted state only ever lowers the weight: it stays in force and is saved with the next change.
            MigrationLog.PersistFailed(logger, migration.Name, ex);
        }
    }

    /// <summary>A migration added by a configuration reload: its persisted state (if any) restored, then served.</summary>
    public async Task AddAsync(MigrationRuntime migration, CancellationToken cancellationToken)
    {
        await RestoreAsync(migration, cancellationToken).ConfigureAwait(false);
        registry.Add(migration);
    }

    /// <summary>
    /// The persisted state (saved first when there is none, fitted to this configuration when needed),
    /// then the noise marks. With a shared store unreachable the instance starts at its first stage,
    /// degraded, and the fleet coordinator catches up once Redis answers.
    /// </summary>
    private async Task RestoreAsync(MigrationRuntime migration, CancellationToken cancellationToken)
    {
        var options = migration.Current.Options;
        try
        {
            var marks = await store.ReadNoiseMarksAsync(migration.Name, cancellationToken).ConfigureAwait(false);
            migration.SetNoiseMarks(marks.Select(m => (m.Path, m.Endpoint)).ToList());
            var now = time.GetUtcNow();
            var persisted = await store.LoadStateAsync(migration.Name, cancellationToken).ConfigureAwait(false);
            var fitted = persisted is null ? null : RampMachine.Restore(persisted, options.Ramp, now);
            var state = fitted?.State ?? RampState.Initial(migration.Name, options.Ramp, now);
            if (fitted is null || fitted.IsChanged)
            {
                state = await persistence.SaveAsync(state, fitted?.Audit, cancellationToken).ConfigureAwait(false) ?? state;
                if (fitted is not null)
                {
                    MigrationLog.Change(logger, migration.Name, fitted.Audit?.ToString() ?? fitted.State.Describe());
                }
            }

            await migration.ApplyRemoteAsync(state, cancellationToken).ConfigureAwait(false);
            MigrationLog.Restored(logger, migration.Name, migration.Current.State.Describe());
        }
        catch (StoreUnavailableException ex)
        {
            MigrationLog.RestoreDeferred(logger, migration.Name, ex.Message);
        }
    }
}
