using System.Numerics;

namespace ShadowProxy.Core.Gates;

/// <summary>
/// A fixed-layout latency histogram with log-linear buckets (the HdrHistogram scheme): exact
/// 100 ns buckets below 6.4 µs, then 32 linear sub-buckets per power of two up to 5 minutes.
/// A percentile is reported as its bucket's midpoint, so it is within <see cref="MaxRelativeError"/>
/// (1/64 ≈ 1.6%) of the true sample. The layout is a constant, so bucket counts exported by one
/// process can be added to another's (fleet aggregation). Recording is lock-free.
/// </summary>
public sealed class LatencyHistogram
{
    /// <summary>Latencies above this are recorded as this value.</summary>
    public static readonly TimeSpan MaxValue = TimeSpan.FromMinutes(5);

    /// <summary>Bound on |reported − true| / true for any percentile.</summary>
    public const double MaxRelativeError = 1.0 / 64;

    private const int SubBucketBits = 5;
    private const int SubBucketCount = 1 << SubBucketBits; // linear steps per power of two
    private const int LinearLimit = SubBucketCount * 2; // below this, one bucket per tick

    /// <summary>Number of buckets; the length of <see cref="ExportCounts"/>.</summary>
    public static readonly int BucketCount = BucketIndex(MaxValue.Ticks) + 1;

    private readonly long[] _counts = new long[BucketCount];

    public void Record(TimeSpan latency) => Interlocked.Increment(ref _counts[BucketIndex(latency.Ticks)]);

    /// <summary>Samples recorded so far (a moment's view while others record).</summary>
    public long Count
    {
        get
        {
            long total = 0;
            for (var i = 0; i < _counts.Length; i++)
            {
                total += Volatile.Read(ref _counts[i]);
            }

            return total;
        }
    }

    /// <summary>Adds the other histogram's samples to this one.</summary>
    public void Merge(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Add(other.ExportCounts());
    }

    /// <summary>Adds exported bucket counts (from <see cref="ExportCounts"/>, maybe of another process).</summary>
    public void Add(ReadOnlySpan<long> counts)
    {
        if (counts.Length > BucketCount)
        {
            throw new ArgumentException($"{counts.Length} buckets exceed the layout's {BucketCount}.", nameof(counts));
        }

        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] != 0)
            {
                Interlocked.Add(ref _counts[i], counts[i]);
            }
        }
    }

    /// <summary>A copy of the bucket counts, <see cref="BucketCount"/> long.</summary>
    public long[] ExportCounts()
    {
        var copy = new long[BucketCount];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = Volatile.Read(ref _counts[i]);
        }

        return copy;
    }

    public static LatencyHistogram FromCounts(ReadOnlySpan<long> counts)
    {
        var histogram = new LatencyHistogram();
        histogram.Add(counts);
        return histogram;
    }

    /// <summary>The latency at or below which <paramref name="percentile"/> % of samples fall; null when empty.</summary>
    public TimeSpan? Percentile(double percentile) => Percentile(ExportCounts(), percentile);

    /// <summary><see cref="Percentile(double)"/> over exported bucket counts.</summary>
    public static TimeSpan? Percentile(ReadOnlySpan<long> counts, double percentile)
    {
        if (double.IsNaN(percentile) || percentile < 0 || percentile > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "A percentile is within 0..100.");
        }

        long total = 0;
        foreach (var count in counts)
        {
            total += count;
        }

        if (total == 0)
        {
            return null;
        }

        // Nearest-rank: the smallest sample with at least p% of the samples at or below it.
        var rank = Math.Max(1, (long)Math.Ceiling(percentile / 100 * total));
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return TimeSpan.FromTicks(BucketMidpoint(i));
            }
        }

        return TimeSpan.FromTicks(BucketMidpoint(counts.Length - 1));
    }

    internal static int BucketIndex(long ticks)
    {
        ticks = Math.Clamp(ticks, 0, MaxValue.Ticks);
        if (ticks < LinearLimit)
        {
            return (int)ticks;
        }

        // Keep the top SubBucketBits + 1 bits: the bucket is 1/32 or less of its lower bound.
        var shift = BitOperations.Log2((ulong)ticks) - SubBucketBits;
        var mantissa = (int)(ticks >> shift); // 32..63
        return LinearLimit + ((shift - 1) * SubBucketCount) + (mantissa - SubBucketCount);
    }

    internal static long BucketLowerBound(int index)
    {
        if (index < LinearLimit)
        {
            return index;
        }

        var k = index - LinearLimit;
        var shift = (k / SubBucketCount) + 1;
        return (long)((k % SubBucketCount) + SubBucketCount) << shift;
    }

    internal static long BucketMidpoint(int index)
    {
        if (index < LinearLimit)
        {
            return index;
        }

        var shift = ((index - LinearLimit) / SubBucketCount) + 1;
        return BucketLowerBound(index) + ((1L << shift) / 2);
    }
}
