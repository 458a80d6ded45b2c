using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Shadow;

namespace ShadowProxy.Core.Tests.Shadow;

public sealed class LatencyAccumulatorTests
{
    [Fact]
    public void A_drain_takes_what_was_recorded_since_the_last_one()
    {
        var accumulator = new LatencyAccumulator();
        for (var i = 1; i <= 100; i++)
        {
            accumulator.Record(TimeSpan.FromMilliseconds(i));
        }

        var counts = new long[LatencyHistogram.BucketCount];
        Assert.Equal(100, accumulator.DrainInto(counts));
        Assert.InRange(LatencyHistogram.Percentile(counts, 99)!.Value.TotalMilliseconds, 99 * 0.98, 99 * 1.02);

        accumulator.Record(TimeSpan.FromMilliseconds(5));
        var next = new long[LatencyHistogram.BucketCount];
        Assert.Equal(1, accumulator.DrainInto(next));
        Assert.InRange(LatencyHistogram.Percentile(next, 50)!.Value.TotalMilliseconds, 4.9, 5.1);
    }

    [Fact]
    public void Samples_recorded_during_drains_are_counted_once()
    {
        var accumulator = new LatencyAccumulator();
        var counts = new long[LatencyHistogram.BucketCount];
        long drained = 0;
        const int perThread = 200_000;
        var writers = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < perThread; i++)
            {
                accumulator.Record(TimeSpan.FromMicroseconds(100 + (i % 1000)));
            }
        })).ToArray();
        while (!Task.WhenAll(writers).IsCompleted)
        {
            drained += accumulator.DrainInto(counts);
        }

        drained += accumulator.DrainInto(counts);
        Assert.Equal(4L * perThread, drained);
        Assert.Equal(4L * perThread, counts.Sum());
    }
}
