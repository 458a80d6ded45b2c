using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Ramp;
using ShadowProxy.Core.Storage;
using ShadowProxy.Core.Notifications;
using ShadowProxy.Fleet;
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
/// Fleet mode (<paramref name="fleet"/> set): every write is a compare-and-set on the version in Redis,
/// and a writer that loses re-runs its command on the winning state; gates are judged on the fleet's
/// merged window and only the lease holder advances or rolls back on its own; while Redis is
/// unreachable every change but a rollback is refused (<see cref="StoreUnavailableException"/>, 503),
/// and a rollback applies locally and stays pending until the coordinator writes it.
/// </remarks>
internal sealed partial class MigrationController(
    MigrationRegistry registry,
    IStateStore store,
    TimeProvider time,
    ILogger<MigrationController> logger,
    FleetCoordinator? fleet = null,
    WebhookNotifier? notifier = null) : BackgroundService
{
    public static readonly TimeSpan EvaluationInterval = TimeSpan.FromSeconds(1);

    /// <summary>Compare-and-set attempts of one command before it gives up (others keep changing the migration).</summary>
    private const int MaxAttempts = 5;

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
                        await SaveUnsavedAsync(migration, stoppingToken).ConfigureAwait(false);
                        await EvaluateAsync(migration, stoppingToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        LogEvaluationFailed(logger, migration.Name, ex);
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

        var window = migration.GateSnapshot(now);
        if (fleet is not null)
        {
            window = await fleet.FleetWindowAsync(migration, window).ConfigureAwait(false);
        }

        var report = GateEvaluator.Evaluate(window, options.Ramp.Gates);
        var previous = migration.LastGateReport;
        migration.LastGateReport = report;
        if (report.Verdict == GateVerdict.Fail && previous?.Verdict != GateVerdict.Fail && (fleet is null || fleet.IsDecider))
        {
            // Once per failure (not every second it lasts), by the one instance that decides.
            NotifyGateFailed(migration, report, now);
        }

        if (fleet is not null && !fleet.IsDecider)
        {
            // Another instance decides. While Redis is unreachable nobody does: no raise on one's own,
            // but this instance's own window may still roll it back (locally, written once Redis is back).
            var protect = !fleet.IsConnected && options.Ramp.AutomaticRollback && report.Verdict == GateVerdict.Fail && migration.Current.Weight > 0;
            if (!protect)
            {
                return;
            }
        }

        await ChangeAsync(migration, state => RampMachine.Evaluate(state, options.Ramp, report, now), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Saves the changes the store refused earlier (see <see cref="MigrationRuntime.Unsaved"/>), if any.</summary>
    private async Task SaveUnsavedAsync(MigrationRuntime migration, CancellationToken cancellationToken)
    {
        if (migration.Unsaved is null)
        {
            return;
        }

        await migration.ChangeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await SaveUnsavedLockedAsync(migration, cancellationToken).ConfigureAwait(false);
            LogSavedLate(logger, migration.Name, migration.Current.State.Describe());
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Still failing: tried again on the next tick, and at shutdown.
        }
        finally
        {
            migration.ChangeLock.Release();
        }
    }

    /// <summary>Writes the pending audit entries with the state in force; clears them once all are written.</summary>
    private async Task SaveUnsavedLockedAsync(MigrationRuntime migration, CancellationToken cancellationToken)
    {
        if (migration.Unsaved is not { } unsaved)
        {
            return;
        }

        while (unsaved.Count > 0)
        {
            await store.SaveStateAsync(migration.Current.State, unsaved[0], cancellationToken).ConfigureAwait(false);
            unsaved.RemoveAt(0);
        }

        migration.Unsaved = null;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);

        // A rollback made while the store was failing must not be lost with the process.
        foreach (var migration in registry.All)
        {
            await SaveUnsavedAsync(migration, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<RampResult> PromoteAsync(MigrationRuntime migration, string actor, string? reason, CancellationToken cancellationToken) =>
        ChangeAsync(migration, state => RampMachine.Promote(state, migration.Current.Options.Ramp, actor, time.GetUtcNow(), reason), cancellationToken);

    public Task<RampResult> SetWeightAsync(MigrationRuntime migration, decimal weight, string actor, string? reason, CancellationToken cancellationToken) =>
        ChangeAsync(migration, state => RampMachine.SetWeight(state, migration.Current.Options.Ramp, weight, actor, time.GetUtcNow(), reason), cancellationToken);

    public Task<RampResult> PauseAsync(MigrationRuntime migration, string actor, string? reason, CancellationToken cancellationToken) =>
        ChangeAsync(migration, state => RampMachine.Pause(state, migration.Current.Options.Ramp, actor, time.GetUtcNow(), reason), cancellationToken);

    public Task<RampResult> ResumeAsync(MigrationRuntime migration, string actor, string? reason, CancellationToken cancellationToken) =>
        ChangeAsync(migration, state => RampMachine.Resume(state, migration.Current.Options.Ramp, actor, time.GetUtcNow(), reason), cancellationToken);

    public Task<RampResult> RollbackAsync(MigrationRuntime migration, string actor, string? reason, CancellationToken cancellationToken) =>
        ChangeAsync(migration, state => RampMachine.Rollback(state, migration.Current.Options.Ramp, actor, AuditTrigger.Manual, reason, time.GetUtcNow()), cancellationToken);

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

        LogChange(logger, migration.Name, fitted.Audit?.ToString() ?? fitted.State.Describe());
        try
        {
            if (fleet is not null)
            {
                await fleet.Store.CompareAndSaveAsync(fitted.State, fitted.Audit).ConfigureAwait(false);
            }
            else
            {
                await store.SaveStateAsync(fitted.State, fitted.Audit, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A fitted state only ever lowers the weight: it stays in force and is saved with the next change.
            LogPersistFailed(logger, migration.Name, ex);
        }
    }

    /// <summary>A migration added by a configuration reload: its persisted state (if any) restored, then served.</summary>
    public async Task AddAsync(MigrationRuntime migration, CancellationToken cancellationToken)
    {
        await RestoreAsync(migration, cancellationToken).ConfigureAwait(false);
        registry.Add(migration);
    }

    private async Task RestoreAsync(MigrationRuntime migration, CancellationToken cancellationToken)
    {
        if (fleet is not null)
        {
            await RestoreFromFleetAsync(migration, fleet, cancellationToken).ConfigureAwait(false);
            return;
        }

        var options = migration.Current.Options;
        var marks = await store.ReadNoiseMarksAsync(migration.Name, cancellationToken).ConfigureAwait(false);
        migration.SetNoiseMarks(marks.Select(m => (m.Path, m.Endpoint)).ToList());
        var now = time.GetUtcNow();
        var persisted = await store.LoadStateAsync(migration.Name, cancellationToken).ConfigureAwait(false);
        if (persisted is null)
        {
            var initial = RampState.Initial(migration.Name, options.Ramp, now);
            await store.SaveStateAsync(initial, null, cancellationToken).ConfigureAwait(false);
            migration.Publish(new MigrationSnapshot(options, initial));
            return;
        }

        var restored = RampMachine.Restore(persisted, options.Ramp, now);
        if (restored.IsChanged)
        {
            await store.SaveStateAsync(restored.State, restored.Audit, cancellationToken).ConfigureAwait(false);
            LogChange(logger, migration.Name, restored.Audit?.ToString() ?? restored.State.Describe());
        }

        migration.Publish(new MigrationSnapshot(options, restored.State));
        LogRestored(logger, migration.Name, restored.State.Describe());
    }

    /// <summary>
    /// Fleet mode: the state Redis holds (written first when there is none, fitted to this configuration
    /// when needed, by compare-and-set either way). With Redis unreachable the instance starts at its
    /// first stage, degraded, and the coordinator catches up once Redis answers.
    /// </summary>
    private async Task RestoreFromFleetAsync(MigrationRuntime migration, FleetCoordinator coordinator, CancellationToken cancellationToken)
    {
        var options = migration.Current.Options;
        try
        {
            var marks = await store.ReadNoiseMarksAsync(migration.Name, cancellationToken).ConfigureAwait(false);
            migration.SetNoiseMarks(marks.Select(m => (m.Path, m.Endpoint)).ToList());
            var now = time.GetUtcNow();
            var persisted = await store.LoadStateAsync(migration.Name, cancellationToken).ConfigureAwait(false);
            RampState state;
            if (persisted is null)
            {
                var initial = RampState.Initial(migration.Name, options.Ramp, now);
                state = await coordinator.Store.CompareAndSaveAsync(initial, null).ConfigureAwait(false) ?? initial;
            }
            else
            {
                var restored = RampMachine.Restore(persisted, options.Ramp, now);
                state = restored.IsChanged ? await coordinator.Store.CompareAndSaveAsync(restored.State, restored.Audit).ConfigureAwait(false) ?? restored.State : persisted;
            }

            await migration.ApplyRemoteAsync(state, cancellationToken).ConfigureAwait(false);
            LogRestored(logger, migration.Name, migration.Current.State.Describe());
        }
        catch (StoreUnavailableException ex)
        {
            LogRestoreDeferred(logger, migration.Name, ex.Message);
        }
    }

    /// <summary>
    /// Computes and applies one transition. A lowered weight is published before it is persisted (a
    /// rollback is in force at once, even when the store is slow or down); a raised weight is
    /// persisted first, so a restart never finds a weight higher than the store knows.
    /// </summary>
    private async Task<RampResult> ChangeAsync(MigrationRuntime migration, Func<RampState, RampResult> transition, CancellationToken cancellationToken)
    {
        await migration.ChangeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var before = migration.Current;
                var result = transition(before.State);
                var rollback = result.State.Status == MigrationStatus.RolledBack && !result.IsRefused;
                if (fleet is not null && !fleet.IsConnected && !rollback)
                {
                    // Judged on a state that may be stale: refused whatever the machine would say.
                    throw Unavailable(fleet);
                }

                if (!result.IsChanged)
                {
                    return result;
                }

                var next = new MigrationSnapshot(before.Options, result.State);
                var lowers = result.State.Weight <= before.Weight;
                if (fleet is not null && !fleet.IsConnected)
                {
                    // In force here at once; written (and so published to the fleet) once Redis is back.
                    migration.Publish(next);
                    migration.PendingRollback = result;
                    return Applied(migration, before, result);
                }

                if (lowers)
                {
                    migration.Publish(next);
                }

                RampState? winner = null;
                try
                {
                    if (fleet is null)
                    {
                        await SaveUnsavedLockedAsync(migration, cancellationToken).ConfigureAwait(false);
                        await store.SaveStateAsync(result.State, result.Audit, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        winner = await fleet.Store.CompareAndSaveAsync(result.State, result.Audit).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (lowers && ex is not OperationCanceledException)
                {
                    if (fleet is not null && !rollback)
                    {
                        // Only a rollback stays in force without the store.
                        migration.Publish(before);
                        throw Unavailable(fleet, ex);
                    }

                    // The lower weight stays in force locally; the timer saves it once the store is back
                    // (fleet: the coordinator writes it to Redis).
                    migration.PendingRollback = fleet is null ? null : result;
                    if (fleet is null)
                    {
                        (migration.Unsaved ??= []).Add(result.Audit);
                    }

                    LogPersistFailed(logger, migration.Name, ex);
                }

                if (winner is not null)
                {
                    // Another instance changed the migration first: take its state and decide again on it.
                    migration.Publish(new MigrationSnapshot(before.Options, winner));
                    if (attempt >= MaxAttempts)
                    {
                        throw new StoreUnavailableException($"Migration {migration.Name} kept changing on other instances; try again.");
                    }

                    continue;
                }

                if (!lowers)
                {
                    migration.Publish(next);
                }

                return Applied(migration, before, result);
            }
        }
        finally
        {
            migration.ChangeLock.Release();
        }
    }

    private RampResult Applied(MigrationRuntime migration, MigrationSnapshot before, RampResult result)
    {
        if (result.State.Status == MigrationStatus.RolledBack && before.Status != MigrationStatus.RolledBack)
        {
            (result.Audit?.Trigger == AuditTrigger.Automatic ? migration.Metrics.AutomaticRollbacks : migration.Metrics.ManualRollbacks).Inc();
        }

        LogChange(logger, migration.Name, result.Audit?.ToString() ?? result.State.Describe());
        if (result.Audit is { } audit)
        {
            // Only the instance that made the change gets here: one notification per change, fleet-wide.
            // The gates the decision was taken on; right after start, before the first evaluation, those of the window now.
            var gates = migration.LastGateReport ?? GateEvaluator.Evaluate(migration.GateSnapshot(time.GetUtcNow()), before.Options.Ramp.Gates);
            notifier?.Notify(Notification.ForChange(audit, before.State, result.State, gates, fleet?.InstanceId ?? Environment.MachineName));
        }

        return result;
    }

    private void NotifyGateFailed(MigrationRuntime migration, GateReport report, DateTimeOffset now)
    {
        var position = RampPosition.Of(migration.Current.State);
        notifier?.Notify(new Notification
        {
            Event = NotificationEvent.GateFailed,
            Migration = migration.Name,
            Trigger = AuditTrigger.Automatic,
            Actor = AuditActors.Automatic,
            Reason = report.FailureReason,
            Time = now,
            From = position,
            To = position,
            Gates = report,
            Instance = fleet?.InstanceId ?? Environment.MachineName,
        });
    }

    private static StoreUnavailableException Unavailable(FleetCoordinator coordinator, Exception? inner = null) => new(
        coordinator.Unreachable + ". Only a rollback is accepted while the shared store is down (it applies on this instance at once and reaches the fleet when Redis is back); retry other changes later.",
        inner);

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Migration {Migration}: {Change}")]
    private static partial void LogChange(ILogger logger, string migration, string change);

    [LoggerMessage(EventId = 31, Level = LogLevel.Information, Message = "Migration {Migration} restored: {State}")]
    private static partial void LogRestored(ILogger logger, string migration, string state);

    [LoggerMessage(EventId = 32, Level = LogLevel.Error, Message = "Migration {Migration}: gate evaluation failed")]
    private static partial void LogEvaluationFailed(ILogger logger, string migration, Exception exception);

    [LoggerMessage(EventId = 34, Level = LogLevel.Warning, Message = "Migration {Migration}: state not restored from the store ({Reason}); serving the first stage until it answers")]
    private static partial void LogRestoreDeferred(ILogger logger, string migration, string reason);

    [LoggerMessage(EventId = 33, Level = LogLevel.Error, Message = "Migration {Migration}: the new state is in force but could not be saved")]
    private static partial void LogPersistFailed(ILogger logger, string migration, Exception exception);

    [LoggerMessage(EventId = 35, Level = LogLevel.Information, Message = "Migration {Migration}: the state in force is saved now that the store answers again: {State}")]
    private static partial void LogSavedLate(ILogger logger, string migration, string state);
}
