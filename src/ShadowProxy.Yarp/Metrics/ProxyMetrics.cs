using Prometheus;
using ShadowProxy.Storage;

namespace ShadowProxy.Metrics;

/// <summary>
/// The Prometheus metrics of docs/metrics.md, in a registry of this host's own (so that several proxies in
/// one process, as in tests, keep separate counts). Label children used on the request path are
/// resolved once per migration in <see cref="MigrationMetrics"/>, not per request.
/// </summary>
internal sealed class ProxyMetrics
{
    /// <param name="recorder">The diff recorder whose drops and store errors are exported, when there is one.</param>
    public ProxyMetrics(DiffRecorder? recorder = null)
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        Requests = factory.CreateCounter("shadowproxy_requests_total", "Client requests served, by the backend that served them and status class.", "migration", "backend", "code");
        RequestDuration = factory.CreateHistogram("shadowproxy_request_duration_seconds", "Time to serve client requests, by serving backend.", new HistogramConfiguration
        {
            LabelNames = ["migration", "backend"],
            Buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        });
        ShadowRequests = factory.CreateCounter("shadowproxy_shadow_requests_total", "Shadow requests by outcome.", "migration", "outcome");
        Comparisons = factory.CreateCounter("shadowproxy_comparisons_total", "Compared response pairs by result.", "migration", "result");
        ComparisonsDropped = factory.CreateCounter("shadowproxy_comparisons_dropped_total", "Completed shadow pairs not compared because the comparison queue was full.", "migration");
        CandidateWeight = factory.CreateGauge("shadowproxy_candidate_weight_percent", "Share of cohorts served by the candidate, in percent.", "migration");
        Rollbacks = factory.CreateCounter("shadowproxy_rollbacks_total", "Rollbacks by trigger.", "migration", "trigger");
        Failovers = factory.CreateCounter("shadowproxy_failovers_total", "Candidate-primary requests answered by the legacy backend after a candidate failure.", "migration");
        ConfigReloads = factory.CreateCounter("shadowproxy_config_reloads_total", "Configuration file reloads by result (applied, rejected).", "result");
        ShadowInFlight = factory.CreateGauge("shadowproxy_shadow_in_flight", "Shadow requests in flight.", "migration");
        Notifications = factory.CreateCounter("shadowproxy_notifications_total", "Webhook notifications by outcome (sent, failed after retries, dropped: queue full).", "outcome");
        foreach (var outcome in NotificationOutcomes)
        {
            Notifications.WithLabels(outcome).Publish();
        }

        ShadowLimit = factory.CreateGauge("shadowproxy_shadow_limit", "Shadow requests allowed in flight: the adaptive limit in force (docs/configuration.md#shadow), or MaxInFlight.", "migration");
        ShadowPrimaryP99Recent = factory.CreateGauge("shadowproxy_shadow_limit_recent_p99_seconds", "The primary's recent p99 latency (smoothed) as the adaptive shadow limit sees it.", "migration");
        ShadowPrimaryP99Baseline = factory.CreateGauge("shadowproxy_shadow_limit_baseline_p99_seconds", "The primary's p99 latency when shadows are not held back: the adaptive shadow limit's baseline.", "migration");
        // prometheus-net's process set (process_*, dotnet_collection_count_total, dotnet_total_memory_bytes), the
        // names generic process dashboards read; the runtime's own meter is exported by RuntimeMeterExporter.
        DotNetStats.Register(Registry);
        if (recorder is not null)
        {
            RecorderMetrics.Register(Registry, factory, recorder);
        }
    }

    public CollectorRegistry Registry { get; }

    public Counter Requests { get; }

    public Histogram RequestDuration { get; }

    public Counter ShadowRequests { get; }

    public Counter Comparisons { get; }

    public Counter ComparisonsDropped { get; }

    public Gauge CandidateWeight { get; }

    public Counter Rollbacks { get; }

    public Counter Failovers { get; }

    public Gauge ShadowInFlight { get; }

    public Gauge ShadowLimit { get; }

    public Gauge ShadowPrimaryP99Recent { get; }

    public Gauge ShadowPrimaryP99Baseline { get; }

    public Counter ConfigReloads { get; }

    /// <summary>The <c>outcome</c> values of <see cref="Notifications"/>, exposed from the start so that alerts see 0, not nothing.</summary>
    public static readonly string[] NotificationOutcomes = ["sent", "failed", "dropped"];

    public Counter Notifications { get; }

    public MigrationMetrics For(string migration) => new(this, migration);
}

internal enum ShadowOutcome
{
    Completed,
    Timeout,
    Error,
    Dropped,
    SkippedMethod,
    SkippedBody,
    SkippedSample,

    /// <summary>A noise-probe copy sent to legacy (docs/comparison.md#the-noise-probe): never a comparison.</summary>
    Probe,

    /// <summary>Not mirrored: the other backend's cluster had no available destination (docs/configuration.md#backends).</summary>
    SkippedUnavailable,
}

internal enum StatusClass
{
    Success2xx,
    Redirect3xx,
    Client4xx,
    Server5xx,
    Error,
}
