using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Gates;
using static ShadowProxy.Core.Tests.Gates.WindowStatsBuilder;

namespace ShadowProxy.Core.Tests.Gates;

public sealed class GateEvaluatorTests
{
    private static readonly GateOptions Options = new() { MinSamples = 200, MaxDiffRate = 0.01, MaxErrorRateIncrease = 0.005, MaxP99LatencyRatio = 1.5 };

    [Fact]
    public void A_healthy_window_passes_every_gate()
    {
        var report = GateEvaluator.Evaluate(Healthy(), Options);

        Assert.Equal(GateVerdict.Pass, report.Verdict);
        Assert.All(report.Gates, g => Assert.Equal(GateVerdict.Pass, g.Verdict));
        Assert.Null(report.FailureReason);
        Assert.Equal("diff rate 0.0000 ≤ 0.0100 (0 of 400 comparisons differ, 0 noise)", report.DiffRate.Detail);
        Assert.Equal(1.0, report.P99LatencyRatio.Value!.Value, 3);
    }

    [Fact]
    public void Failing_error_rate_names_the_gate_and_its_value()
    {
        var stats = Healthy() with { Candidate = Backend(400, errors: 100) };

        var report = GateEvaluator.Evaluate(stats, Options);

        Assert.Equal(GateVerdict.Fail, report.Verdict);
        Assert.Equal(GateVerdict.Fail, report.ErrorRateIncrease.Verdict);
        Assert.Equal(0.25, report.ErrorRateIncrease.Value);
        Assert.Equal("error rate increase 0.2500 > 0.0050 (candidate 25.00% vs legacy 0.00%, 400 requests)", report.FailureReason);
    }

    [Fact]
    public void Error_rate_is_judged_against_the_legacy_baseline()
    {
        var stats = Healthy() with { Legacy = Backend(400, errors: 20), Candidate = Backend(400, errors: 22) };

        var report = GateEvaluator.Evaluate(stats, Options);

        Assert.Equal(GateVerdict.Pass, report.ErrorRateIncrease.Verdict);
        Assert.Equal(0.005, report.ErrorRateIncrease.Value!.Value, 9);
    }

    [Fact]
    public void Diff_rate_counts_noise_only_comparisons_as_without_difference()
    {
        // Every response differs in an ignored field: 5 real differences in 1000 is 0.5%, not 100%.
        var stats = Healthy() with { Matches = 0, Noise = 995, Diffs = 5 };

        var report = GateEvaluator.Evaluate(stats, Options);

        Assert.Equal(GateVerdict.Pass, report.DiffRate.Verdict);
        Assert.Equal(0.005, report.DiffRate.Value);
    }

    [Fact]
    public void Failing_diff_rate_and_latency_are_both_reported()
    {
        var stats = Healthy() with { Matches = 388, Diffs = 12, Candidate = Backend(400, latencyMs: 240), Legacy = Backend(400, latencyMs: 100) };

        var report = GateEvaluator.Evaluate(stats, Options);

        Assert.Equal(GateVerdict.Fail, report.Verdict);
        Assert.Equal(GateVerdict.Pass, report.ErrorRateIncrease.Verdict);
        Assert.StartsWith("diff rate 0.0300 > 0.0100 (12 of 400 comparisons differ", report.FailureReason);
        Assert.Equal(GateVerdict.Fail, report.P99LatencyRatio.Verdict);
        Assert.Equal(2.4, report.P99LatencyRatio.Value!.Value, 0.05);
        Assert.Matches(@"; p99 latency ratio 2\.\d\d > 1\.50 \(candidate p99 2\d\d\.\d ms vs legacy p99 \d+\.\d ms, 400 requests\)$", report.FailureReason);
    }

    [Fact]
    public void Below_min_samples_every_gate_is_inconclusive_even_with_bad_values()
    {
        var stats = new WindowStats { Legacy = Backend(150), Candidate = Backend(150, errors: 150, latencyMs: 900), Diffs = 199 };

        var report = GateEvaluator.Evaluate(stats, Options);

        Assert.Equal(GateVerdict.Inconclusive, report.Verdict);
        Assert.All(report.Gates, g => Assert.Equal(GateVerdict.Inconclusive, g.Verdict));
        Assert.Null(report.FailureReason);
        Assert.Contains("inconclusive (199 of 200 comparisons needed", report.DiffRate.Detail);
    }

    [Fact]
    public void Error_and_latency_gates_need_min_samples_on_both_backends()
    {
        var stats = Healthy() with { Legacy = Backend(50) };

        var report = GateEvaluator.Evaluate(stats, Options);

        Assert.Equal(GateVerdict.Pass, report.DiffRate.Verdict);
        Assert.Equal(GateVerdict.Inconclusive, report.ErrorRateIncrease.Verdict);
        Assert.Equal(GateVerdict.Inconclusive, report.P99LatencyRatio.Verdict);
        Assert.Equal(GateVerdict.Inconclusive, report.Verdict);
    }

    [Fact]
    public void A_conclusive_failure_wins_over_inconclusive_gates()
    {
        var stats = new WindowStats { Matches = 300, Diffs = 100 };

        var report = GateEvaluator.Evaluate(stats, Options);

        Assert.Equal(GateVerdict.Fail, report.Verdict);
        Assert.Null(report.ErrorRateIncrease.Value);
        Assert.StartsWith("diff rate 0.2500 > 0.0100", report.FailureReason);
    }

    [Fact]
    public void Sub_millisecond_latencies_are_floored_so_jitter_cannot_fail_the_latency_gate()
    {
        var stats = Healthy() with { Legacy = Backend(400, latencyMs: 0.05), Candidate = Backend(400, latencyMs: 0.5) };

        var report = GateEvaluator.Evaluate(stats, Options);

        Assert.Equal(GateVerdict.Pass, report.P99LatencyRatio.Verdict);
        Assert.Equal(1.0, report.P99LatencyRatio.Value);
    }

    [Fact]
    public void Min_samples_of_zero_still_needs_one_sample()
    {
        var report = GateEvaluator.Evaluate(WindowStats.Empty, Options with { MinSamples = 0 });

        Assert.Equal(GateVerdict.Inconclusive, report.Verdict);
        Assert.Equal(1, report.DiffRate.RequiredSamples);
    }
}
