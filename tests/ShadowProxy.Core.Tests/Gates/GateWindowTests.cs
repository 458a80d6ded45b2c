using Microsoft.Extensions.Time.Testing;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Gates;

namespace ShadowProxy.Core.Tests.Gates;

public sealed class GateWindowTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Snapshot_counts_requests_errors_latency_and_comparisons_per_backend()
    {
        var window = new GateWindow(Window);
        var now = _time.GetUtcNow();
        window.RecordRequest(Backend.Legacy, isError: false, TimeSpan.FromMilliseconds(10), now);
        window.RecordRequest(Backend.Legacy, isError: true, TimeSpan.FromMilliseconds(20), now);
        window.RecordRequest(Backend.Candidate, isError: true, TimeSpan.FromMilliseconds(30), now);
        window.RecordComparison(ComparisonTally.Match, now);
        window.RecordComparison(ComparisonTally.Diff, now);
        window.RecordComparison(ComparisonTally.Noise, now);
        window.RecordComparison(ComparisonTally.Noise, now);

        var stats = window.Snapshot(now);

        Assert.Equal((2, 1), (stats.Legacy.Requests, stats.Legacy.Errors));
        Assert.Equal((1, 1), (stats.Candidate.Requests, stats.Candidate.Errors));
        Assert.Equal(0.5, stats.Legacy.ErrorRate);
        Assert.Equal((1, 1, 2, 4), (stats.Matches, stats.Diffs, stats.Noise, stats.Comparisons));
        Assert.InRange(stats.Candidate.Percentile(50)!.Value.TotalMilliseconds, 29.5, 30.5);
    }

    [Fact]
    public void Samples_older_than_the_window_fall_out()
    {
        var window = new GateWindow(Window, slotCount: 12);
        window.RecordRequest(Backend.Candidate, false, TimeSpan.FromMilliseconds(1), _time.GetUtcNow());
        window.RecordComparison(ComparisonTally.Diff, _time.GetUtcNow());

        // Younger than the window minus one slot: always counted.
        _time.Advance(Window - (Window / 12));
        Assert.Equal(1, window.Snapshot(_time.GetUtcNow()).Candidate.Requests);

        window.RecordComparison(ComparisonTally.Match, _time.GetUtcNow());
        _time.Advance(Window / 12);

        // A full window old: gone, while the later sample stays.
        var stats = window.Snapshot(_time.GetUtcNow());
        Assert.Equal(0, stats.Candidate.Requests);
        Assert.Equal((1, 0), (stats.Matches, stats.Diffs));

        _time.Advance(Window * 5);
        Assert.Equal(WindowStats.Empty.Comparisons, window.Snapshot(_time.GetUtcNow()).Comparisons);
    }

    [Fact]
    public void A_slot_reused_after_a_full_window_starts_from_zero()
    {
        var window = new GateWindow(Window, slotCount: 10);
        window.RecordRequest(Backend.Legacy, true, TimeSpan.FromSeconds(1), _time.GetUtcNow());
        _time.Advance(Window); // the same ring position, one lap later
        window.RecordRequest(Backend.Legacy, false, TimeSpan.FromSeconds(1), _time.GetUtcNow());

        var stats = window.Snapshot(_time.GetUtcNow());

        Assert.Equal((1, 0), (stats.Legacy.Requests, stats.Legacy.Errors));
    }

    [Fact]
    public void A_sample_arriving_a_window_late_is_dropped()
    {
        var window = new GateWindow(Window, slotCount: 10);
        var then = _time.GetUtcNow();
        _time.Advance(Window);
        window.RecordRequest(Backend.Legacy, false, TimeSpan.FromSeconds(1), _time.GetUtcNow());
        window.RecordRequest(Backend.Legacy, true, TimeSpan.FromSeconds(1), then);

        Assert.Equal((1, 0), (window.Snapshot(_time.GetUtcNow()).Legacy.Requests, window.Snapshot(_time.GetUtcNow()).Legacy.Errors));
    }

    [Fact]
    public void Concurrent_recording_from_several_threads_loses_no_counts_across_slot_changes()
    {
        // Each thread walks through the same span of time, so slots are installed concurrently.
        var window = new GateWindow(TimeSpan.FromSeconds(120), slotCount: 12);
        var start = _time.GetUtcNow();
        const int Threads = 4;
        const int PerThread = 20_000;
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                var now = start + TimeSpan.FromMilliseconds(i * 5); // 100 s: within the 120 s window
                window.RecordRequest(t % 2 == 0 ? Backend.Legacy : Backend.Candidate, i % 10 == 0, TimeSpan.FromMilliseconds(3), now);
                window.RecordComparison(ComparisonTally.Match, now);
            }
        });

        var stats = window.Snapshot(start + TimeSpan.FromSeconds(100));

        Assert.Equal(Threads * PerThread / 2, stats.Legacy.Requests);
        Assert.Equal(Threads * PerThread / 2, stats.Candidate.Requests);
        Assert.Equal(Threads * PerThread / 20, stats.Candidate.Errors);
        Assert.Equal(Threads * PerThread, stats.Matches);
        Assert.Equal(Threads * PerThread / 2, stats.Legacy.LatencyBuckets.Sum());
    }

    [Fact]
    public void Merging_two_windows_equals_recording_into_one()
    {
        var a = new GateWindow(Window);
        var b = new GateWindow(Window);
        var one = new GateWindow(Window);
        var random = new Random(11);
        for (var i = 0; i < 2_000; i++)
        {
            var now = _time.GetUtcNow();
            var backend = random.Next(2) == 0 ? Backend.Legacy : Backend.Candidate;
            var isError = random.Next(20) == 0;
            var latency = TimeSpan.FromMicroseconds(random.Next(50, 500_000));
            var tally = (ComparisonTally)random.Next(3);
            var target = i % 2 == 0 ? a : b;
            target.RecordRequest(backend, isError, latency, now);
            target.RecordComparison(tally, now);
            one.RecordRequest(backend, isError, latency, now);
            one.RecordComparison(tally, now);
            _time.Advance(TimeSpan.FromMilliseconds(20));
        }

        var now2 = _time.GetUtcNow();
        var merged = WindowStats.Merge([a.Snapshot(now2), b.Snapshot(now2)]);
        var expected = one.Snapshot(now2);

        AssertEquivalent(expected, merged);
        Assert.Equal(expected.Candidate.Percentile(99), merged.Candidate.Percentile(99));
    }

    [Fact]
    public void Window_stats_round_trip_through_json()
    {
        var window = new GateWindow(Window);
        window.RecordRequest(Backend.Candidate, true, TimeSpan.FromMilliseconds(42), _time.GetUtcNow());
        window.RecordComparison(ComparisonTally.Noise, _time.GetUtcNow());
        var stats = window.Snapshot(_time.GetUtcNow());

        var json = System.Text.Json.JsonSerializer.Serialize(stats);
        var back = System.Text.Json.JsonSerializer.Deserialize<WindowStats>(json)!;

        AssertEquivalent(stats, back);
    }

    [Fact]
    public void Window_must_hold_every_slot()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GateWindow(Window, slotCount: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GateWindow(TimeSpan.FromTicks(5), slotCount: 12));
    }

    private static void AssertEquivalent(WindowStats expected, WindowStats actual)
    {
        Assert.Equal((expected.Matches, expected.Diffs, expected.Noise), (actual.Matches, actual.Diffs, actual.Noise));
        foreach (var (e, a) in new[] { (expected.Legacy, actual.Legacy), (expected.Candidate, actual.Candidate) })
        {
            Assert.Equal((e.Requests, e.Errors), (a.Requests, a.Errors));
            Assert.Equal(e.LatencyBuckets, a.LatencyBuckets);
        }
    }
}
