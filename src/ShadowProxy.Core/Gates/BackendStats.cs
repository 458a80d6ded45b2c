namespace ShadowProxy.Core.Gates;

/// <summary>Requests seen by one backend in a window, live and shadow alike.</summary>
public sealed record BackendStats
{
    public static readonly BackendStats Empty = new();

    public long Requests { get; init; }

    /// <summary>5xx responses and transport failures.</summary>
    public long Errors { get; init; }

    /// <summary>Bucket counts in the <see cref="LatencyHistogram"/> layout (empty when nothing was recorded).</summary>
    public long[] LatencyBuckets { get; init; } = [];

    /// <summary>Errors / requests; 0 without requests.</summary>
    public double ErrorRate => Requests == 0 ? 0 : (double)Errors / Requests;

    public TimeSpan? Percentile(double percentile) => LatencyHistogram.Percentile(LatencyBuckets, percentile);

    public BackendStats Merge(BackendStats other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var buckets = new long[Math.Max(LatencyBuckets.Length, other.LatencyBuckets.Length)];
        LatencyBuckets.CopyTo(buckets, 0);
        for (var i = 0; i < other.LatencyBuckets.Length; i++)
        {
            buckets[i] += other.LatencyBuckets[i];
        }

        return new BackendStats
        {
            Requests = Requests + other.Requests,
            Errors = Errors + other.Errors,
            LatencyBuckets = buckets,
        };
    }
}
