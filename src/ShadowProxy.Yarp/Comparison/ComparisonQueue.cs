using ShadowProxy.Threading;

namespace ShadowProxy.Comparison;

/// <summary>
/// The bounded hand-off from shadow calls to the comparison workers. When the workers fall behind,
/// new pairs are refused (the caller drops and counts them) rather than queued without limit.
/// </summary>
internal sealed class ComparisonQueue
{
    public const int Capacity = 2048;

    // Written by shadow completions (often the socket thread), read by low-priority comparison threads.
    private readonly HandOffQueue<PendingComparison> _queue = new(Capacity);

    public HandOffQueue<PendingComparison> Pending => _queue;

    /// <summary>Queues a pair; false when the queue is full (the caller still owns the exchange).</summary>
    public bool TryEnqueue(PendingComparison pending) => _queue.TryEnqueue(pending);
}
