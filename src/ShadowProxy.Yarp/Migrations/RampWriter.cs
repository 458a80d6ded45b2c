using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Notifications;
using ShadowProxy.Core.Ramp;
using ShadowProxy.Notifications;
using ShadowProxy.Storage;

namespace ShadowProxy.Migrations;

/// <summary>
/// Applies one state change of a migration for the <see cref="MigrationController"/>: under the
/// migration's change lock, published and saved in the order that keeps a restart safe, retried on the
/// winner's state when another instance wrote first, kept unsaved when the store refuses a lowered
/// weight; then counted, logged and notified once.
/// </summary>
internal sealed class RampWriter(IRampPersistence persistence, TimeProvider time, ILogger logger, WebhookNotifier? notifier)
{
    /// <summary>Compare-and-set attempts of one command before it gives up (others keep changing the migration).</summary>
    private const int MaxAttempts = 5;

    /// <summary>Saves the changes the store refused earlier, if any and if the persistence saves them itself.</summary>
    public async Task SaveUnsavedAsync(MigrationRuntime migration, CancellationToken cancellationToken)
    {
        if (!migration.HasUnsaved)
        {
            return;
        }

        await migration.ChangeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await persistence.SaveUnsavedAsync(migration, cancellationToken).ConfigureAwait(false))
            {
                MigrationLog.SavedLate(logger, migration.Name, migration.Current.State.Describe());
            }
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

    /// <summary>
    /// Computes and applies one transition. A lowered weight is published before it is persisted (a
    /// rollback is in force at once, even when the store is slow or down); a raised weight is
    /// persisted first, so a restart never finds a weight higher than the store knows.
    /// </summary>
    public async Task<RampResult> ChangeAsync(MigrationRuntime migration, Func<RampState, RampResult> transition, CancellationToken cancellationToken)
    {
        await migration.ChangeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var before = migration.Current;
                var result = transition(before.State);
                var rollback = result.State.Status == MigrationStatus.RolledBack && !result.IsRefused;
                if (!persistence.IsConnected && !rollback)
                {
                    // Judged on a state that may be stale: refused whatever the machine would say.
                    throw persistence.Unavailable();
                }

                if (!result.IsChanged)
                {
                    return result;
                }

                var next = new MigrationSnapshot(before.Options, result.State);
                var lowers = result.State.Weight <= before.Weight;
                if (!persistence.IsConnected)
                {
                    // In force here at once; written (and so published to the fleet) once Redis is back.
                    migration.Publish(next);
                    migration.KeepUnsaved(result);
                    return Applied(migration, before, result);
                }

                if (lowers)
                {
                    migration.Publish(next);
                }

                RampState? winner = null;
                try
                {
                    await persistence.SaveUnsavedAsync(migration, cancellationToken).ConfigureAwait(false);
                    winner = await persistence.SaveAsync(result.State, result.Audit, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (lowers && ex is not OperationCanceledException)
                {
                    if (!persistence.KeepsUnsaved(result))
                    {
                        migration.Publish(before);
                        throw persistence.Unavailable(ex);
                    }

                    // The lower weight stays in force here; saved once the store is back (by the timer, or
                    // in fleet mode written to Redis by the coordinator).
                    migration.KeepUnsaved(result);
                    MigrationLog.PersistFailed(logger, migration.Name, ex);
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

        MigrationLog.Change(logger, migration.Name, result.Audit?.ToString() ?? result.State.Describe());
        if (result.Audit is { } audit)
        {
            // Only the instance that made the change gets here: one notification per change, fleet-wide.
            // The gates the decision was taken on; right after start, before the first evaluation, those of the window now.
            var gates = migration.LastGateReport ?? GateEvaluator.Evaluate(migration.GateSnapshot(time.GetUtcNow()), before.Options.Ramp.Gates);
            notifier?.Notify(Notification.ForChange(audit, before.State, result.State, gates, persistence.InstanceId));
        }

        return result;
    }

    public void NotifyGateFailed(MigrationRuntime migration, GateReport report, DateTimeOffset now)
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
            Instance = persistence.InstanceId,
        });
    }
}
