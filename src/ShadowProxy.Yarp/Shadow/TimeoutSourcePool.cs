using System.Collections.Concurrent;

namespace ShadowProxy.Shadow;

/// <summary>
/// Reusable per-call timeouts for shadow requests: a cancellation source and its timer are kept
/// and re-armed instead of allocated for every call (thousands a second at full shadowing).
/// A source that fired is not reused.
/// </summary>
internal sealed class TimeoutSourcePool(TimeProvider time)
{
    private const int MaxPooled = 1024;

    private readonly ConcurrentQueue<CancellationTokenSource> _pooled = new();
    private int _count;

    public CancellationTokenSource Rent(TimeSpan timeout)
    {
        if (_pooled.TryDequeue(out var source))
        {
            Interlocked.Decrement(ref _count);
            source.CancelAfter(timeout);
            return source;
        }

        return new CancellationTokenSource(timeout, time);
    }

    public void Return(CancellationTokenSource source)
    {
        // TryReset also stops the pending timer; it fails for a source that has been cancelled.
        if (source.TryReset() && Interlocked.Increment(ref _count) <= MaxPooled)
        {
            _pooled.Enqueue(source);
            return;
        }

        if (!source.IsCancellationRequested)
        {
            Interlocked.Decrement(ref _count);
        }

        source.Dispose();
    }
}
