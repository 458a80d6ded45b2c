using Prometheus;
using ShadowProxy.Core.Comparison;

namespace ShadowProxy.Metrics;

/// <summary>Pre-resolved label children of one migration, for allocation-free counting on the request path.</summary>
internal sealed class MigrationMetrics
{
    private static readonly string[] StatusLabels = ["2xx", "3xx", "4xx", "5xx", "error"];
    private static readonly string[] OutcomeLabels = ["completed", "timeout", "error", "dropped", "skipped_method", "skipped_body", "skipped_sample", "probe", "skipped_unavailable"];

    private readonly Counter.Child[] _requests;
    private readonly Histogram.Child[] _durations;
    private readonly Counter.Child[] _shadow;

    public MigrationMetrics(ProxyMetrics metrics, string migration)
    {
        var backends = new[] { "legacy", "candidate" };
        _requests = backends.SelectMany(b => StatusLabels.Select(code => metrics.Requests.WithLabels(migration, b, code))).ToArray();
        _durations = backends.Select(b => metrics.RequestDuration.WithLabels(migration, b)).ToArray();
        _shadow = OutcomeLabels.Select(o => metrics.ShadowRequests.WithLabels(migration, o)).ToArray();
        Match = metrics.Comparisons.WithLabels(migration, "match");
        Diff = metrics.Comparisons.WithLabels(migration, "diff");
        Noise = metrics.Comparisons.WithLabels(migration, "noise");
        ComparisonsDropped = metrics.ComparisonsDropped.WithLabels(migration);
        Weight = metrics.CandidateWeight.WithLabels(migration);
        ManualRollbacks = metrics.Rollbacks.WithLabels(migration, "manual");
        AutomaticRollbacks = metrics.Rollbacks.WithLabels(migration, "automatic");
        Failovers = metrics.Failovers.WithLabels(migration);
        ShadowInFlight = metrics.ShadowInFlight.WithLabels(migration);
        ShadowLimit = metrics.ShadowLimit.WithLabels(migration);
        ShadowPrimaryP99Recent = metrics.ShadowPrimaryP99Recent.WithLabels(migration);
        ShadowPrimaryP99Baseline = metrics.ShadowPrimaryP99Baseline.WithLabels(migration);
    }

    public Counter.Child Match { get; }

    public Counter.Child Diff { get; }

    public Counter.Child Noise { get; }

    public Counter.Child ComparisonsDropped { get; }

    public Gauge.Child Weight { get; }

    public Counter.Child ManualRollbacks { get; }

    public Counter.Child AutomaticRollbacks { get; }

    public Counter.Child Failovers { get; }

    public Gauge.Child ShadowInFlight { get; }

    public Gauge.Child ShadowLimit { get; }

    public Gauge.Child ShadowPrimaryP99Recent { get; }

    public Gauge.Child ShadowPrimaryP99Baseline { get; }

    /// <summary>Client requests served by legacy, all status classes.</summary>
    public double LegacyServed => _requests.Take(StatusLabels.Length).Sum(c => c.Value);

    /// <summary>Client requests served (or attempted) by the candidate, all status classes.</summary>
    public double CandidateServed => _requests.Skip(StatusLabels.Length).Sum(c => c.Value);

    public void Served(Backend backend, StatusClass status, TimeSpan duration)
    {
        _requests[((int)backend * StatusLabels.Length) + (int)status].Inc();
        _durations[(int)backend].Observe(duration.TotalSeconds);
    }

    public void Shadow(ShadowOutcome outcome) => _shadow[(int)outcome].Inc();

    public static StatusClass Classify(int statusCode) => statusCode switch
    {
        >= 200 and < 300 => StatusClass.Success2xx,
        >= 300 and < 400 => StatusClass.Redirect3xx,
        >= 400 and < 500 => StatusClass.Client4xx,
        >= 500 and < 600 => StatusClass.Server5xx,
        _ => StatusClass.Error,
    };
}
