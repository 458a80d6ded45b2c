using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Ramp;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Migrations;

/// <summary>
/// Owns every state change of the migrations: restores the persisted ramp state at start-up (before
/// the listeners open), applies admin commands, and evaluates the gates on a timer for automatic
/// advance and rollback. Changes of one migration are serialized; the request path only ever sees
/// the published snapshot.
/// </summary>
internal sealed partial class MigrationController(
    MigrationRegistry registry,
    IStateStore store,
    TimeProvider time,
    ILogger<MigrationController> logger) : BackgroundService
{
    public static readonly TimeSpan EvaluationInterval = TimeSpan.FromSeconds(1);

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
        var report = GateEvaluator.Evaluate(migration.Gates.Snapshot(now), options.Ramp.Gates);
        migration.LastGateReport = report;
        await ChangeAsync(migration, state => RampMachine.Evaluate(state, options.Ramp, report, now), cancellationToken).ConfigureAwait(false);
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

    private async Task RestoreAsync(MigrationRuntime migration, CancellationToken cancellationToken)
    {
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
    /// Computes and applies one transition. A lowered weight is published before it is persisted (a
    /// rollback is in force at once, even when the store is slow or down); a raised weight is
    /// persisted first, so a restart never finds a weight higher than the store knows.
    /// </summary>
    private async Task<RampResult> ChangeAsync(MigrationRuntime migration, Func<RampState, RampResult> transition, CancellationToken cancellationToken)
    {
        await migration.ChangeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var before = migration.Current;
            var result = transition(before.State);
            if (!result.IsChanged)
            {
                return result;
            }

            var next = new MigrationSnapshot(before.Options, result.State);
            var lowers = result.State.Weight <= before.Weight;
            if (lowers)
            {
                migration.Publish(next);
            }

            try
            {
                await store.SaveStateAsync(result.State, result.Audit, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (lowers && ex is not OperationCanceledException)
            {
                // The lower weight stays in force locally; it is saved with the next change.
                LogPersistFailed(logger, migration.Name, ex);
            }

            if (!lowers)
            {
                migration.Publish(next);
            }

            if (result.State.Status == MigrationStatus.RolledBack && before.Status != MigrationStatus.RolledBack)
            {
                (result.Audit?.Trigger == AuditTrigger.Automatic ? migration.Metrics.AutomaticRollbacks : migration.Metrics.ManualRollbacks).Inc();
            }

            LogChange(logger, migration.Name, result.Audit?.ToString() ?? result.State.Describe());
            return result;
        }
        finally
        {
            migration.ChangeLock.Release();
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Migration {Migration}: {Change}")]
    private static partial void LogChange(ILogger logger, string migration, string change);

    [LoggerMessage(EventId = 31, Level = LogLevel.Information, Message = "Migration {Migration} restored: {State}")]
    private static partial void LogRestored(ILogger logger, string migration, string state);

    [LoggerMessage(EventId = 32, Level = LogLevel.Error, Message = "Migration {Migration}: gate evaluation failed")]
    private static partial void LogEvaluationFailed(ILogger logger, string migration, Exception exception);

    [LoggerMessage(EventId = 33, Level = LogLevel.Error, Message = "Migration {Migration}: the new state is in force but could not be saved")]
    private static partial void LogPersistFailed(ILogger logger, string migration, Exception exception);
}
