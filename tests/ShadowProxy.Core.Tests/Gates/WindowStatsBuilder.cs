using ShadowProxy.Core.Gates;

namespace ShadowProxy.Core.Tests.Gates;

/// <summary>Windows with known numbers, for gate and ramp tests.</summary>
internal static class WindowStatsBuilder
{
    internal static BackendStats Backend(long requests, long errors = 0, double latencyMs = 10)
    {
        var histogram = new LatencyHistogram();
        for (var i = 0; i < requests; i++)
        {
            histogram.Record(TimeSpan.FromMilliseconds(latencyMs));
        }

        return new BackendStats { Requests = requests, Errors = errors, LatencyBuckets = histogram.ExportCounts() };
    }

    internal static WindowStats Healthy(long samples = 400) => new()
    {
        Legacy = Backend(samples),
        Candidate = Backend(samples),
        Matches = samples,
    };
}
