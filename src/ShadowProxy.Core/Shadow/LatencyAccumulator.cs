using ShadowProxy.Core.Gates;

namespace ShadowProxy.Core.Shadow;

/// <summary>
/// Latencies recorded on the request path and drained by a periodic reader: one lock-free increment
/// per sample into a bucket of the <see cref="LatencyHistogram"/> layout, no allocation, no lock.
/// A sample recorded while a drain runs lands in this drain or the next one, never in neither.
/// </summary>
public sealed class LatencyAccumulator
{
    private readonly long[] _counts = new long[LatencyHistogram.BucketCount];

    public void Record(TimeSpan latency) => Interlocked.Increment(ref _counts[LatencyHistogram.BucketIndex(latency.Ticks)]);

    /// <summary>
    /// Moves the counts recorded since the last drain into <paramref name="into"/> (added to what it
    /// holds; at least <see cref="LatencyHistogram.BucketCount"/> long) and returns how many there were.
    /// </summary>
    public long DrainInto(Span<long> into)
    {
        if (into.Length < _counts.Length)
        {
            throw new ArgumentException($"{into.Length} buckets are fewer than the layout's {_counts.Length}.", nameof(into));
        }

        long total = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            // A plain read first: most buckets are empty, and an exchange would write every cache line.
            if (Volatile.Read(ref _counts[i]) != 0)
            {
                var count = Interlocked.Exchange(ref _counts[i], 0);
                into[i] += count;
                total += count;
            }
        }

        return total;
    }
}
