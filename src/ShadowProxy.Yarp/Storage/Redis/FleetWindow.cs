using ShadowProxy.Core.Gates;

namespace ShadowProxy.Storage.Redis;

/// <summary>A gate window as published to Redis: latency buckets sparse ("index:count" pairs), since most are empty.</summary>
internal sealed record FleetWindow(FleetBackend Legacy, FleetBackend Candidate, long Matches, long Diffs, long Noise)
{
    public static FleetWindow From(WindowStats stats) =>
        new(FleetBackend.From(stats.Legacy), FleetBackend.From(stats.Candidate), stats.Matches, stats.Diffs, stats.Noise);

    public WindowStats ToStats() => new()
    {
        Legacy = Legacy.ToStats(),
        Candidate = Candidate.ToStats(),
        Matches = Matches,
        Diffs = Diffs,
        Noise = Noise,
    };
}

/// <summary>One backend of a <see cref="FleetWindow"/>: request and error counts and the non-empty latency buckets.</summary>
internal sealed record FleetBackend(long Requests, long Errors, IReadOnlyList<long> Buckets)
{
    public static FleetBackend From(BackendStats stats)
    {
        var sparse = new List<long>();
        for (var i = 0; i < stats.LatencyBuckets.Length; i++)
        {
            if (stats.LatencyBuckets[i] != 0)
            {
                sparse.Add(i);
                sparse.Add(stats.LatencyBuckets[i]);
            }
        }

        return new FleetBackend(stats.Requests, stats.Errors, sparse);
    }

    public BackendStats ToStats()
    {
        if (Requests == 0 && Buckets.Count == 0)
        {
            return BackendStats.Empty;
        }

        var buckets = new long[LatencyHistogram.BucketCount];
        for (var i = 0; i + 1 < Buckets.Count; i += 2)
        {
            if (Buckets[i] >= 0 && Buckets[i] < buckets.Length)
            {
                buckets[Buckets[i]] += Buckets[i + 1];
            }
        }

        return new BackendStats { Requests = Requests, Errors = Errors, LatencyBuckets = buckets };
    }
}
