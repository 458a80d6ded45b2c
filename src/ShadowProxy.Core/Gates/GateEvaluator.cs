using System.Globalization;
using ShadowProxy.Core.Configuration;

namespace ShadowProxy.Core.Gates;

/// <summary>
/// Judges a window against the gates of docs/configuration.md#gates. Sample rules (a gate below them is Inconclusive):
/// <list type="bullet">
/// <item>diff rate: at least MinSamples comparisons. Noise-only comparisons count as comparisons
/// without a difference, so that an ignored field present in every response (a request id, a
/// timestamp) cannot leave the gate without data, nor turn every real difference into a 100% rate.</item>
/// <item>error rate increase and p99 latency ratio: at least MinSamples requests on EACH backend
/// (live and shadow alike), because the legacy side is the baseline and a baseline of a handful of
/// requests would roll back on noise. With shadowing on, both backends see every request.</item>
/// </list>
/// The overall verdict is Fail when any conclusive gate fails (missing data elsewhere does not hide a
/// failure), Pass only when all three gates are conclusive and pass ("every gate passed"), else Inconclusive.
/// </summary>
public static class GateEvaluator
{
    /// <summary>p99 values below this count as this, so sub-millisecond jitter cannot fail the latency gate.</summary>
    public static readonly TimeSpan LatencyFloor = TimeSpan.FromMilliseconds(1);

    // Absorbs floating-point error so that a value equal to its threshold passes (docs/configuration.md#gates: "≤").
    private const double Tolerance = 1e-12;

    public static GateReport Evaluate(WindowStats stats, GateOptions options)
    {
        ArgumentNullException.ThrowIfNull(stats);
        ArgumentNullException.ThrowIfNull(options);

        var required = Math.Max(1, (long)options.MinSamples);
        var diff = DiffRate(stats, options.MaxDiffRate, required);
        var errors = ErrorRateIncrease(stats, options.MaxErrorRateIncrease, required);
        var latency = P99LatencyRatio(stats, options.MaxP99LatencyRatio, required);

        GateResult[] all = [diff, errors, latency];
        var failed = all.Where(static g => g.Verdict == GateVerdict.Fail).ToArray();
        var verdict = failed.Length > 0 ? GateVerdict.Fail
            : all.All(static g => g.Verdict == GateVerdict.Pass) ? GateVerdict.Pass
            : GateVerdict.Inconclusive;

        return new GateReport
        {
            DiffRate = diff,
            ErrorRateIncrease = errors,
            P99LatencyRatio = latency,
            Verdict = verdict,
            FailureReason = failed.Length > 0 ? string.Join("; ", failed.Select(static g => g.Detail)) : null,
        };
    }

    private static GateResult DiffRate(WindowStats stats, double threshold, long required)
    {
        const string Name = "diff rate";
        var samples = stats.Comparisons;
        double? value = samples == 0 ? null : (double)stats.Diffs / samples;
        var context = Invariant($"{stats.Diffs} of {samples} comparisons differ, {stats.Noise} noise");
        return Judge(GateKind.DiffRate, Name, value, threshold, samples, required, "F4", context, "comparisons");
    }

    private static GateResult ErrorRateIncrease(WindowStats stats, double threshold, long required)
    {
        const string Name = "error rate increase";
        var (candidate, legacy) = (stats.Candidate, stats.Legacy);
        double? value = candidate.Requests == 0 || legacy.Requests == 0 ? null : candidate.ErrorRate - legacy.ErrorRate;
        var context = Invariant($"candidate {candidate.ErrorRate * 100:F2}% vs legacy {legacy.ErrorRate * 100:F2}%, {candidate.Requests} requests");
        return Judge(GateKind.ErrorRateIncrease, Name, value, threshold, Math.Min(candidate.Requests, legacy.Requests), required, "F4", context, "requests per backend");
    }

    private static GateResult P99LatencyRatio(WindowStats stats, double threshold, long required)
    {
        const string Name = "p99 latency ratio";
        var candidateP99 = stats.Candidate.Percentile(99);
        var legacyP99 = stats.Legacy.Percentile(99);
        double? value = candidateP99 is { } c && legacyP99 is { } l
            ? Floor(c).Ticks / (double)Floor(l).Ticks
            : null;
        var context = Invariant($"candidate p99 {Milliseconds(candidateP99)} vs legacy p99 {Milliseconds(legacyP99)}, {stats.Candidate.Requests} requests");
        return Judge(GateKind.P99LatencyRatio, Name, value, threshold, Math.Min(stats.Candidate.Requests, stats.Legacy.Requests), required, "F2", context, "requests per backend");

        static TimeSpan Floor(TimeSpan value) => value < LatencyFloor ? LatencyFloor : value;
        static string Milliseconds(TimeSpan? value) => value is { } v ? Invariant($"{v.TotalMilliseconds:F1} ms") : "n/a";
    }

    private static GateResult Judge(GateKind gate, string name, double? value, double threshold, long samples, long required, string format, string context, string unit)
    {
        var shownValue = value?.ToString(format, CultureInfo.InvariantCulture) ?? "n/a";
        var shownThreshold = threshold.ToString(format, CultureInfo.InvariantCulture);
        GateVerdict verdict;
        string detail;
        if (value is not { } v || samples < required)
        {
            verdict = GateVerdict.Inconclusive;
            detail = Invariant($"{name} {shownValue} inconclusive ({samples} of {required} {unit} needed; {context})");
        }
        else if (v <= threshold + Tolerance)
        {
            verdict = GateVerdict.Pass;
            detail = $"{name} {shownValue} ≤ {shownThreshold} ({context})";
        }
        else
        {
            verdict = GateVerdict.Fail;
            detail = $"{name} {shownValue} > {shownThreshold} ({context})";
        }

        return new GateResult
        {
            Gate = gate,
            Name = name,
            Value = value,
            Threshold = threshold,
            Verdict = verdict,
            Samples = samples,
            RequiredSamples = required,
            Detail = detail,
        };
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
