using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Ramp;
using ShadowProxy.Health;
using ShadowProxy.Migrations;
using ShadowProxy.Storage;
using ShadowProxy.Storage.Redis;
using StackExchange.Redis;

namespace ShadowProxy.Fleet;

/// <summary>
/// Fleet mode (docs/architecture.md#fleet-mode) on one instance: applies the states other instances publish, catches up by a
/// periodic poll and on reconnect, holds (or waits for) the decider lease, exchanges gate windows, and
/// replays a rollback made while Redis was unreachable once it is back.
/// </summary>
/// <remarks>
/// Convergence rules:
/// <list type="bullet">
/// <item>Every write is a compare-and-set on the state's version (the version below, or nothing stored)
/// and is published in the same script; a writer that loses re-runs its command on the winner's state.</item>
/// <item>An instance applies a published or polled state when its version is at least its own (never an
/// older one), so the highest version wins everywhere.</item>
/// <item>Exception: a rollback applied locally while Redis was unreachable is pending. Until it is written
/// no state but a rollback is applied over it (an older, higher weight never returns by a poll); once
/// Redis is back it is replayed as a new rollback on top of whatever the fleet wrote meanwhile, so it wins
/// over changes it never saw. An operator resumes afterwards if the fleet should ramp again.</item>
/// <item>When Redis lost the state (restarted without persistence) an instance writes its own; the
/// compare-and-set keeps the first, later ones adopt it, and a pending rollback is replayed on it.</item>
/// </list>
/// </remarks>
internal sealed partial class FleetCoordinator : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly MigrationRegistry _registry;
    private readonly RedisStore _store;
    private readonly ReadinessState _readiness;
    private readonly TimeProvider _time;
    private readonly ILogger<FleetCoordinator> _logger;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly Dictionary<string, string> _noiseSignatures = new(StringComparer.Ordinal);
    private long _leaseValidUntil;
    private volatile bool _holdsLease;
    private bool _subscribed;

    public FleetCoordinator(MigrationRegistry registry, RedisStore store, ReadinessState readiness, TimeProvider time, ILogger<FleetCoordinator> logger, TimeSpan? leaseTtl = null)
    {
        _registry = registry;
        _store = store;
        _readiness = readiness;
        _time = time;
        _logger = logger;
        LeaseTtl = leaseTtl ?? TimeSpan.FromSeconds(5);
        InstanceId = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";
        var connection = store.Connection.Multiplexer;
        connection.ConnectionFailed += (_, _) => UpdateReadiness();
        connection.ConnectionRestored += (_, _) =>
        {
            UpdateReadiness();
            Wake();
        };
    }

    /// <summary>How long a lease lasts without renewal: a dead decider is replaced after at most this.</summary>
    public TimeSpan LeaseTtl { get; }

    public string InstanceId { get; }

    public bool IsConnected => _store.Connection.IsConnected;

    /// <summary>Why writes are refused, for 503 details.</summary>
    public string Unreachable => _store.Connection.Unreachable;

    public RedisStore Store => _store;

    /// <summary>True while this instance holds a live lease and reaches Redis: only then does it advance or roll back on its own.</summary>
    public bool IsDecider => _holdsLease && IsConnected && _time.GetTimestamp() < Volatile.Read(ref _leaseValidUntil);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Subscribe before the controller restores, so that no change published in between is missed.
        await EnsureSubscribedAsync().ConfigureAwait(false);
        UpdateReadiness();
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Subscribes once Redis answers (at start, or at the first poll after it came up); the multiplexer
    /// renews the subscriptions by itself after every reconnect.
    /// </summary>
    private async Task EnsureSubscribedAsync()
    {
        if (_subscribed)
        {
            return;
        }

        var subscriber = _store.Connection.Multiplexer.GetSubscriber();
        try
        {
            await subscriber.SubscribeAsync(_store.StateChannel, (channel, message) => _ = OnStatePublishedAsync(message)).ConfigureAwait(false);
            await subscriber.SubscribeAsync(_store.NoiseChannel, (channel, message) => _ = OnNoisePublishedAsync(message)).ConfigureAwait(false);
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

            LogUnreachable(_logger, _store.Connection.Unreachable, ex);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_holdsLease)
        {
            _holdsLease = false;
            try
            {
                await _store.ReleaseLeaseAsync(InstanceId).ConfigureAwait(false);
            }
            catch (StoreUnavailableException)
            {
                // It expires by itself.
            }
        }
    }

    /// <summary>
    /// The fleet's window of <paramref name="migration"/>: this instance's (published for the others, for
    /// one window) merged with what every other live instance published. Only the local window when
    /// Redis is unreachable (no decision is taken then anyway).
    /// </summary>
    public async Task<WindowStats> FleetWindowAsync(MigrationRuntime migration, WindowStats local)
    {
        if (!IsConnected)
        {
            return local;
        }

        var window = migration.Current.Options.Ramp.Gates.Window;
        var ttl = window > 3 * PollInterval ? window : 3 * PollInterval;
        try
        {
            var others = await _store.ExchangeWindowsAsync(migration.Name, InstanceId, local, ttl).ConfigureAwait(false);
            return WindowStats.Merge([local, .. others]);
        }
        catch (StoreUnavailableException)
        {
            return local;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SyncOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (StoreUnavailableException ex)
            {
                _holdsLease = false;
                LogUnreachable(_logger, ex.Message, null);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSyncFailed(_logger, ex);
            }

            UpdateReadiness();
            try
            {
                await _wake.WaitAsync(PollInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One round: pending rollbacks written, states and noise marks caught up, the lease taken or renewed.</summary>
    public async Task SyncOnceAsync(CancellationToken cancellationToken)
    {
        if (!IsConnected)
        {
            _holdsLease = false;
            return;
        }

        await EnsureSubscribedAsync().ConfigureAwait(false);
        foreach (var migration in _registry.All)
        {
            await FlushPendingRollbackAsync(migration, cancellationToken).ConfigureAwait(false);
            var stored = await _store.LoadStateAsync(migration.Name, cancellationToken).ConfigureAwait(false);
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

        var started = _time.GetTimestamp();
        var held = await _store.AcquireLeaseAsync(InstanceId, LeaseTtl).ConfigureAwait(false);

        // Counted from before the call, with a margin: this instance stops deciding before Redis lets the lease go.
        Volatile.Write(ref _leaseValidUntil, started + (long)((LeaseTtl - PollInterval).TotalSeconds * _time.TimestampFrequency));
        if (held != _holdsLease)
        {
            LogLease(_logger, InstanceId, held ? "took" : "lost");
        }

        _holdsLease = held;
    }

    private async Task WriteLocalAsync(MigrationRuntime migration, CancellationToken cancellationToken)
    {
        await migration.ChangeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var local = migration.Current;
            var stale = await _store.CompareAndSaveAsync(local.State, migration.PendingRollback?.Audit).ConfigureAwait(false);
            if (stale is null)
            {
                migration.PendingRollback = null;
            }
        }
        finally
        {
            migration.ChangeLock.Release();
        }

        if (await _store.LoadStateAsync(migration.Name, cancellationToken).ConfigureAwait(false) is { } winner)
        {
            await migration.ApplyRemoteAsync(winner, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes a rollback applied while Redis was unreachable as a new rollback over what Redis holds now.</summary>
    private async Task FlushPendingRollbackAsync(MigrationRuntime migration, CancellationToken cancellationToken)
    {
        if (migration.PendingRollback is null)
        {
            return;
        }

        await migration.ChangeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var attempt = 0; attempt < 5 && migration.PendingRollback is { } pending; attempt++)
            {
                var stored = await _store.LoadStateAsync(migration.Name, cancellationToken).ConfigureAwait(false);
                var options = migration.Current.Options;
                if (stored is null)
                {
                    return; // written by WriteLocalAsync with its audit entry
                }

                var replay = RampMachine.Rollback(stored, options.Ramp, pending.Audit!.Actor, pending.Audit.Trigger,
                    $"{pending.Reason} (applied locally at {pending.Audit.Time:u} while the store was unreachable)".TrimStart(), _time.GetUtcNow());
                if (!replay.IsChanged)
                {
                    // Already rolled back by another instance: take its state.
                    migration.PendingRollback = null;
                    migration.Publish(new MigrationSnapshot(options, stored));
                    return;
                }

                if (await _store.CompareAndSaveAsync(replay.State, replay.Audit).ConfigureAwait(false) is null)
                {
                    migration.PendingRollback = null;
                    migration.Publish(new MigrationSnapshot(options, replay.State));
                    LogReplayed(_logger, migration.Name, replay.State.Version);
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
        if (!_registry.TryGet(name, out var migration))
        {
            return;
        }

        var marks = await _store.ReadNoiseMarksAsync(migration.Name, cancellationToken).ConfigureAwait(false);
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
            if (RedisStore.ParseState(message) is { } state && _registry.TryGet(state.Migration, out var migration))
            {
                await migration.ApplyRemoteAsync(state, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            LogSyncFailed(_logger, ex);
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
            LogSyncFailed(_logger, ex);
        }
    }

    private void UpdateReadiness()
    {
        var pending = _registry.All.Where(m => m.PendingRollback is not null).Select(m => m.Name).ToList();
        _readiness.SetDegraded(
            !IsConnected ? _store.Connection.Unreachable + "; serving with the last known state, admin writes except rollback answer 503"
            : pending.Count > 0 ? "rollback of " + string.Join(", ", pending) + " not yet written to Redis"
            : null);
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
    }

    [LoggerMessage(EventId = 410, Level = LogLevel.Warning, Message = "Fleet: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string reason, Exception? exception);

    [LoggerMessage(EventId = 411, Level = LogLevel.Error, Message = "Fleet: synchronisation failed")]
    private static partial void LogSyncFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 412, Level = LogLevel.Information, Message = "Fleet: instance {Instance} {Change} the decider lease")]
    private static partial void LogLease(ILogger logger, string instance, string change);

    [LoggerMessage(EventId = 413, Level = LogLevel.Warning, Message = "Fleet: migration {Migration}: the rollback applied while Redis was unreachable is now written (version {Version})")]
    private static partial void LogReplayed(ILogger logger, string migration, long version);
}
