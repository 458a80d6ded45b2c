using ShadowProxy.Storage;
using ShadowProxy.Storage.Redis;

namespace ShadowProxy.Fleet;

/// <summary>
/// The decider lease of one instance: one instance at a time advances and rolls back on its own. Taken
/// or renewed each round of the <see cref="FleetCoordinator"/>; a dead decider is replaced after at most
/// <see cref="Ttl"/>.
/// </summary>
internal sealed class DeciderLease(RedisStore store, string instanceId, TimeSpan ttl, TimeSpan renewal, TimeProvider time, ILogger logger)
{
    private long _validUntil;
    private volatile bool _held;

    /// <summary>How long a lease lasts without renewal.</summary>
    public TimeSpan Ttl => ttl;

    /// <summary>True while this instance holds a lease that has not run out by its own clock.</summary>
    public bool IsHeld => _held && time.GetTimestamp() < Volatile.Read(ref _validUntil);

    /// <summary>Takes the lease, or renews it when this instance holds it.</summary>
    public async Task RenewAsync()
    {
        var started = time.GetTimestamp();
        var held = await store.AcquireLeaseAsync(instanceId, ttl).ConfigureAwait(false);

        // Counted from before the call, with a margin: this instance stops deciding before Redis lets the lease go.
        Volatile.Write(ref _validUntil, started + (long)((ttl - renewal).TotalSeconds * time.TimestampFrequency));
        if (held != _held)
        {
            FleetLog.Lease(logger, instanceId, held ? "took" : "lost");
        }

        _held = held;
    }

    /// <summary>Stops deciding at once (Redis unreachable); the lease in Redis runs out by itself.</summary>
    public void Drop() => _held = false;

    /// <summary>Gives the lease back at shutdown, so that another instance takes it without waiting.</summary>
    public async Task ReleaseAsync()
    {
        if (!_held)
        {
            return;
        }

        _held = false;
        try
        {
            await store.ReleaseLeaseAsync(instanceId).ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
            // It expires by itself.
        }
    }
}
