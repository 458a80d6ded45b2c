using CsCheck;
using ShadowProxy.Core.Gates;

namespace ShadowProxy.Core.Tests.Gates;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Empty_histogram_has_no_percentile()
    {
        var histogram = new LatencyHistogram();

        Assert.Null(histogram.Percentile(99));
        Assert.Equal(0, histogram.Count);
    }

    [Fact]
    public void Every_value_lands_in_a_bucket_whose_midpoint_is_within_the_documented_error()
    {
        Gen.Long[1, LatencyHistogram.MaxValue.Ticks].Sample(ticks =>
        {
            var index = LatencyHistogram.BucketIndex(ticks);
            var lower = LatencyHistogram.BucketLowerBound(index);
            var next = index + 1 < LatencyHistogram.BucketCount ? LatencyHistogram.BucketLowerBound(index + 1) : long.MaxValue;
            var midpoint = LatencyHistogram.BucketMidpoint(index);

            Assert.InRange(ticks, lower, next - 1);
            Assert.True(Math.Abs(midpoint - ticks) <= ticks * LatencyHistogram.MaxRelativeError, $"{ticks} → {midpoint}");
        });
    }

    [Fact]
    public void Percentiles_of_a_known_distribution_are_within_the_documented_relative_error()
    {
        var histogram = new LatencyHistogram();
        var samples = new List<long>();
        var random = new Random(7);
        for (var i = 0; i < 10_000; i++)
        {
            // Log-uniform from 10 µs to 10 s: every region of the layout gets samples.
            var ticks = (long)(100 * Math.Pow(10, random.NextDouble() * 6));
            samples.Add(ticks);
            histogram.Record(TimeSpan.FromTicks(ticks));
        }

        samples.Sort();
        foreach (var p in new[] { 0.0, 1, 50, 90, 95, 99, 99.9, 100 })
        {
            var rank = Math.Max(1, (int)Math.Ceiling(p / 100 * samples.Count));
            var expected = samples[rank - 1];
            var actual = histogram.Percentile(p)!.Value.Ticks;
            Assert.True(Math.Abs(actual - expected) <= expected * LatencyHistogram.MaxRelativeError, $"p{p}: {actual} vs {expected}");
        }

        Assert.Equal(10_000, histogram.Count);
    }

    [Fact]
    public void Latencies_beyond_the_range_are_clamped_to_the_top_bucket()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(TimeSpan.FromHours(2));
        histogram.Record(TimeSpan.FromTicks(-5));

        var top = histogram.Percentile(100)!.Value;
        Assert.InRange(top, LatencyHistogram.MaxValue * (1 - LatencyHistogram.MaxRelativeError), LatencyHistogram.MaxValue * (1 + LatencyHistogram.MaxRelativeError));
        Assert.Equal(TimeSpan.Zero, histogram.Percentile(0));
        Assert.True(LatencyHistogram.BucketCount < 1000, "memory stays bounded");
    }

    [Fact]
    public void Merge_and_export_import_add_counts()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        var both = new LatencyHistogram();
        for (var i = 1; i <= 500; i++)
        {
            var latency = TimeSpan.FromMilliseconds(i);
            (i % 3 == 0 ? a : b).Record(latency);
            both.Record(latency);
        }

        a.Merge(b);
        var imported = LatencyHistogram.FromCounts(both.ExportCounts());

        Assert.Equal(both.ExportCounts(), a.ExportCounts());
        Assert.Equal(both.ExportCounts(), imported.ExportCounts());
        Assert.Equal(both.Percentile(99), a.Percentile(99));
    }

    [Fact]
    public void Percentile_outside_0_to_100_is_rejected()
    {
        var histogram = new LatencyHistogram();

        Assert.Throws<ArgumentOutOfRangeException>(() => histogram.Percentile(101));
        Assert.Throws<ArgumentOutOfRangeException>(() => histogram.Percentile(-1));
        Assert.Throws<ArgumentException>(() => histogram.Add(new long[LatencyHistogram.BucketCount + 1]));
    }

    [Fact]
    public void Concurrent_recording_loses_no_samples()
    {
        var histogram = new LatencyHistogram();
        Parallel.For(0, 4, _ =>
        {
            for (var i = 0; i < 25_000; i++)
            {
                histogram.Record(TimeSpan.FromMilliseconds(5));
            }
        });

        Assert.Equal(100_000, histogram.Count);
    }
}
