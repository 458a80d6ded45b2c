using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace ShadowProxy.Threading;

/// <summary>
/// The bounded hand-off from request, shadow and comparison threads to a consumer on a
/// <see cref="DedicatedThread"/>. Producers never take a lock a consumer holds: a consumer preempted
/// inside a lock (a low-priority one is, often) would stall every producer behind it (priority
/// inversion), and a producer may be the socket thread that completes everyone's I/O. Enqueue and
/// dequeue are lock-free; a consumer with nothing to do parks (a synchronous wait), and only then does
/// a producer wake it: a low-priority producer queues no thread-pool work. Beyond <c>capacity</c> items
/// are refused.
/// </summary>
[SuppressMessage("Reliability", "CA1001:Types that own disposable fields should be disposable", Justification = "The semaphore's wait handle is never created (no AvailableWaitHandle): there is nothing to dispose.")]
internal sealed class HandOffQueue<T>(int capacity)
{
    private readonly ConcurrentQueue<T> _items = new();
    private readonly SemaphoreSlim _wake = new(0);
    private int _count;
    private int _parked;
    private int _wakePending;
    private volatile bool _completed;

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "must be positive");

    /// <summary>Items queued and not yet taken.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Queues <paramref name="item"/>; false when full or completed. Never blocks.</summary>
    public bool TryEnqueue(T item)
    {
        if (_completed)
        {
            return false;
        }

        if (Interlocked.Increment(ref _count) > Capacity)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }

        _items.Enqueue(item);
        if (Volatile.Read(ref _parked) > 0 && Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            // One wake-up per park, not one per item.
            _wake.Release();
        }

        return true;
    }

    public bool TryDequeue(out T item)
    {
        if (_items.TryDequeue(out item!))
        {
            Interlocked.Decrement(ref _count);
            return true;
        }

        return false;
    }

    /// <summary>
    /// Blocks the calling (dedicated) thread until an item may be there: true then, false once the
    /// queue is completed and empty. Throws when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public bool WaitForItems(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _parked);
        try
        {
            // Parked before looking: an item queued after this check finds the consumer parked and wakes it.
            while (_items.IsEmpty)
            {
                if (_completed)
                {
                    return false;
                }

                _wake.Wait(cancellationToken);
                Volatile.Write(ref _wakePending, 0);
            }

            return true;
        }
        finally
        {
            Interlocked.Decrement(ref _parked);
        }
    }

    /// <summary>Refuses new items and wakes parked consumers; what is queued can still be taken.</summary>
    public void Complete()
    {
        _completed = true;
        _wake.Release(Math.Max(1, Volatile.Read(ref _parked)));
    }
}
