using ShadowProxy.Core.Ramp;
using ShadowProxy.Migrations;
using ShadowProxy.Storage.Redis;
using StackExchange.Redis;

namespace ShadowProxy.Fleet;

/// <summary>
/// Keeps this instance's migrations in step with what Redis holds: applies the states and noise marks
/// other instances publish, catches up by a poll, writes the local state when Redis lost it, and replays
/// a rollback made while Redis was unreachable (the convergence rules are on <see cref="FleetCoordinator"/>).
/// </summary>
internal sealed class FleetStates(MigrationRegistry registry, RedisStore store, TimeProvider time, ILogger logger)
{
    private readonly Dictionary<string, string> _noiseSignatures = new(StringComparer.Ordinal);
    private bool _subscribed;

    /// <summary>
    /// Subscribes once Redis answers (at start, or at the first poll after it came up); the multiplexer
    /// renews the subscriptions by itself after every reconnect.
    /// </summary>
    public async Task EnsureSubscribedAsync()
    {
        if (_subscribed)
        {
            return;
        }

        var subscriber = store.Connection.Multiplexer.GetSubscriber();
        try
        {
            await subscriber.SubscribeAsync(store.StateChannel, (channel, message) => _ = OnStatePublishedAsync(message)).ConfigureAwait(false);
            await subscriber.SubscribeAsync(store.NoiseChannel, (channel, message) => _ = OnNoisePublishedAsync(message)).ConfigureAwait(false);
            _subscribed = true;
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
        {
            try
            {
                // Whatever half got registered goes, so that the next attempt does not register a handler twice.
                await subscriber.UnsubscribeAllAsync(CommandFlags.FireAndForget).ConfigureAwait(false);
            }
            catch (Exception unsubscribe) when (unsubscribe is RedisConnectionException or RedisTimeoutException)
            {
            }

            FleetLog.Unreachable(logger, store.Connection.Unreachable, ex);
        }
    }

    /// <summary>One migration caught up: its unsaved rollback written, the state Redis holds applied (or written when lost), its noise marks read.</summary>
    public async Task CatchUpAsync(MigrationRuntime migration, CancellationToken cancellationToken)
    {
        await FlushUnsavedRollbackAsync(migration, cancellationToken).ConfigureAwait(false);
        var stored = await store.LoadStateAsync(migration.Name, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            // Redis lost it (restarted without persistence): the first instance's state is kept.
            await WriteLocalAsync(migration, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await migration.ApplyRemoteAsync(stored, cancellationToken).ConfigureAwait(false);
        }

        await RefreshNoiseMarksAsync(migration.Name, cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteLocalAsync(MigrationRuntime migration, CancellationToken cancellationToken)
    {
        await migration.ChangeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var local = migration.Current;
            var stale = await store.CompareAndSaveAsync(local.State, migration.LatestUnsaved?.Audit).ConfigureAwait(false);
            if (stale is null)
            {
                migration.ForgetUnsaved();
            }
        }
        finally
        {
            migration.ChangeLock.Release();
        }

        if (await store.LoadStateAsync(migration.Name, cancellationToken).ConfigureAwait(false) is { } winner)
        {
            await migration.ApplyRemoteAsync(winner, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes a rollback applied while Redis was unreachable as a new rollback over what Redis holds now.</summary>
    private async Task FlushUnsavedRollbackAsync(MigrationRuntime migration, CancellationToken cancellationToken)
    {
        if (!migration.HasUnsaved)
        {
            return;
        }

        await migration.ChangeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var attempt = 0; attempt < 5 && migration.LatestUnsaved is { } pending; attempt++)
            {
                var stored = await store.LoadStateAsync(migration.Name, cancellationToken).ConfigureAwait(false);
                var options = migration.Current.Options;
                if (stored is null)
                {
                    return; // written by WriteLocalAsync with its audit entry
                }

                var replay = RampMachine.Rollback(stored, options.Ramp, pending.Audit!.Actor, pending.Audit.Trigger,
                    $"{pending.Reason} (applied locally at {pending.Audit.Time:u} while the store was unreachable)".TrimStart(), time.GetUtcNow());
                if (!replay.IsChanged)
                {
                    // Already rolled back by another instance: take its state.
                    migration.ForgetUnsaved();
                    migration.Publish(new MigrationSnapshot(options, stored));
                    return;
                }

                if (await store.CompareAndSaveAsync(replay.State, replay.Audit).ConfigureAwait(false) is null)
                {
                    migration.ForgetUnsaved();
                    migration.Publish(new MigrationSnapshot(options, replay.State));
                    FleetLog.Replayed(logger, migration.Name, replay.State.Version);
                    return;
                }
            }
        }
        finally
        {
            migration.ChangeLock.Release();
        }
    }

    private async Task RefreshNoiseMarksAsync(string name, CancellationToken cancellationToken)
    {
        if (!registry.TryGet(name, out var migration))
        {
            return;
        }

        var marks = await store.ReadNoiseMarksAsync(migration.Name, cancellationToken).ConfigureAwait(false);
        var signature = string.Join("\n", marks.Select(m => m.Endpoint + "\t" + m.Path));
        lock (_noiseSignatures)
        {
            if (_noiseSignatures.TryGetValue(migration.Name, out var known) && known == signature)
            {
                return;
            }

            _noiseSignatures[migration.Name] = signature;
        }

        migration.SetNoiseMarks(marks.Select(m => (m.Path, m.Endpoint)).ToList());
    }

    private async Task OnStatePublishedAsync(RedisValue message)
    {
        try
        {
            if (RedisStore.ParseState(message) is { } state && registry.TryGet(state.Migration, out var migration))
            {
                await migration.ApplyRemoteAsync(state, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            FleetLog.SyncFailed(logger, ex);
        }
    }

    private async Task OnNoisePublishedAsync(RedisValue message)
    {
        try
        {
            await RefreshNoiseMarksAsync((string)message!, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            FleetLog.SyncFailed(logger, ex);
        }
    }
}
