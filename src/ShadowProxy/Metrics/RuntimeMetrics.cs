using Prometheus;
using ShadowProxy.Storage;

namespace ShadowProxy.Metrics;

/// <summary>
/// Process and runtime metrics in the host's own registry: prometheus-net's standard set
/// (<c>process_*</c>, <c>dotnet_collection_count_total</c>, <c>dotnet_total_memory_bytes</c>) plus the
/// thread pool and GC pauses, which are what a starved proxy shows first (DESIGN-NOTES: an unbounded
/// mirror starves the thread pool). Read at scrape time, never on the request path.
/// </summary>
internal static class RuntimeMetrics
{
    private static long s_exceptions;

    // One handler for the process, however many hosts (tests run several) register their metrics.
    static RuntimeMetrics() => AppDomain.CurrentDomain.FirstChanceException += (_, _) => Interlocked.Increment(ref s_exceptions);

    public static void Register(CollectorRegistry registry, IMetricFactory factory)
    {
        DotNetStats.Register(registry);
        var threads = factory.CreateGauge("dotnet_threadpool_threads", "Thread pool threads.");
        var queue = factory.CreateGauge("dotnet_threadpool_queue_length", "Work items queued to the thread pool and not yet started.");
        registry.AddBeforeCollectCallback(() =>
        {
            threads.Set(ThreadPool.ThreadCount);
            queue.Set(ThreadPool.PendingWorkItemCount);
        });
        ScrapedCounter(registry, factory, "dotnet_threadpool_completed_items_total", "Work items the thread pool has completed.", () => ThreadPool.CompletedWorkItemCount);
        ScrapedCounter(registry, factory, "dotnet_gc_pause_seconds_total", "Time the runtime was paused for garbage collection.", () => GC.GetTotalPauseDuration().TotalSeconds);
        ScrapedCounter(registry, factory, "dotnet_monitor_lock_contention_total", "Times a thread waited for a contended Monitor lock.", () => Monitor.LockContentionCount);
        ScrapedCounter(registry, factory, "dotnet_exceptions_total", "Exceptions thrown (first chance), handled or not.", () => Interlocked.Read(ref s_exceptions));
    }

    /// <summary>A counter whose value is read from <paramref name="read"/> (a running total kept elsewhere) at each scrape.</summary>
    public static void ScrapedCounter(CollectorRegistry registry, IMetricFactory factory, string name, string help, Func<double> read)
    {
        var counter = factory.CreateCounter(name, help);
        registry.AddBeforeCollectCallback(() => counter.IncTo(read()));
    }
}

/// <summary>What became of comparison records on their way to the store (SPEC §4: counters for the rest).</summary>
internal static class RecorderMetrics
{
    public static void Register(CollectorRegistry registry, IMetricFactory factory, DiffRecorder recorder)
    {
        RuntimeMetrics.ScrapedCounter(registry, factory, "shadowproxy_diff_records_written_total", "Comparison records the store accepted.", () => recorder.Written);
        RuntimeMetrics.ScrapedCounter(registry, factory, "shadowproxy_diff_records_dropped_total", "Comparison records not stored because the recorder's queue was full.", () => recorder.Dropped);
        RuntimeMetrics.ScrapedCounter(registry, factory, "shadowproxy_store_errors_total", "Store calls of the diff recorder that failed.", () => recorder.StoreErrors);
    }
}
