using Prometheus;
using ShadowProxy.Storage;

namespace ShadowProxy.Metrics;

/// <summary>What became of comparison records on their way to the store (docs/comparison.md#what-is-stored: counters for the rest).</summary>
internal static class RecorderMetrics
{
    public static void Register(CollectorRegistry registry, IMetricFactory factory, DiffRecorder recorder)
    {
        ScrapedCounter(registry, factory, "shadowproxy_diff_records_written_total", "Comparison records the store accepted.", () => recorder.Written);
        ScrapedCounter(registry, factory, "shadowproxy_diff_records_dropped_total", "Comparison records not stored because the recorder's queue was full.", () => recorder.Dropped);
        ScrapedCounter(registry, factory, "shadowproxy_store_errors_total", "Store calls of the diff recorder that failed.", () => recorder.StoreErrors);
    }

    /// <summary>A counter whose value is read from <paramref name="read"/> (a running total kept elsewhere) at each scrape.</summary>
    private static void ScrapedCounter(CollectorRegistry registry, IMetricFactory factory, string name, string help, Func<double> read)
    {
        var counter = factory.CreateCounter(name, help);
        registry.AddBeforeCollectCallback(() => counter.IncTo(read()));
    }
}
