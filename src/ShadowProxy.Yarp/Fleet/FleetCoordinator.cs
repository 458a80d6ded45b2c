using ShadowProxy.Health;
using ShadowProxy.Migrations;
using ShadowProxy.Storage;
using ShadowProxy.Storage.Redis;

namespace ShadowProxy.Fleet;

/// <summary>
/// Fleet mode (docs/architecture.md#fleet-mode) on one instance: every second and on reconnect, catches
/// the migrations up with Redis (<see cref="FleetStates"/>: published states, noise marks, a rollback
/// made while Redis was unreachable) and takes or renews the <see cref="DeciderLease"/>; the gate windows
/// are exchanged by <see cref="GateWindowExchange"/>. Keeps the readiness state's degraded reason.
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
internal sealed class FleetCoordinator : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly MigrationRegistry _registry;
    private readonly RedisStore _store;
    private readonly ReadinessState _readiness;
    private readonly ILogger<FleetCoordinator> _logger;
    private readonly FleetStates _states;
    private readonly DeciderLease _lease;
    private readonly SemaphoreSlim _wake = new(0, 1);

    public FleetCoordinator(MigrationRegistry registry, RedisStore store, ReadinessState readiness, TimeProvider time, ILogger<FleetCoordinator> logger, TimeSpan? leaseTtl = null)
    {
        _registry = registry;
        _store = store;
        _readiness = readiness;
        _logger = logger;
        InstanceId = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";
        _states = new FleetStates(registry, store, time, logger);
        _lease = new DeciderLease(store, InstanceId, leaseTtl ?? TimeSpan.FromSeconds(5), PollInterval, time, logger);
        Windows = new GateWindowExchange(store, InstanceId);
        var connection = store.Connection.Multiplexer;
        connection.ConnectionFailed += (_, _) => UpdateReadiness();
        connection.ConnectionRestored += (_, _) =>
        {
            UpdateReadiness();
            Wake();
        };
    }

    /// <summary>How long a lease lasts without renewal: a dead decider is replaced after at most this.</summary>
    public TimeSpan LeaseTtl => _lease.Ttl;

    public string InstanceId { get; }

    public bool IsConnected => _store.Connection.IsConnected;

    /// <summary>Why writes are refused, for 503 details.</summary>
    public string Unreachable => _store.Connection.Unreachable;

    public RedisStore Store => _store;

    /// <summary>The fleet-wide gate windows of this instance's migrations.</summary>
    public GateWindowExchange Windows { get; }

    /// <summary>True while this instance holds a live lease and reaches Redis: only then does it advance or roll back on its own.</summary>
    public bool IsDecider => _lease.IsHeld && IsConnected;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Subscribe before the controller restores, so that no change published in between is missed.
        await _states.EnsureSubscribedAsync().ConfigureAwait(false);
        UpdateReadiness();
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await _lease.ReleaseAsync().ConfigureAwait(false);
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
                _lease.Drop();
                FleetLog.Unreachable(_logger, ex.Message, null);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                FleetLog.SyncFailed(_logger, ex);
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

    /// <summary>One round: unsaved rollbacks written, states and noise marks caught up, the lease taken or renewed.</summary>
    public async Task SyncOnceAsync(CancellationToken cancellationToken)
    {
        if (!IsConnected)
        {
            _lease.Drop();
            return;
        }

        await _states.EnsureSubscribedAsync().ConfigureAwait(false);
        foreach (var migration in _registry.All)
        {
            await _states.CatchUpAsync(migration, cancellationToken).ConfigureAwait(false);
        }

        await _lease.RenewAsync().ConfigureAwait(false);
    }

    private void UpdateReadiness()
    {
        var pending = _registry.All.Where(m => m.HasUnsaved).Select(m => m.Name).ToList();
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
}
