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
        var completed = factory.CreateCounter("dotnet_threadpool_completed_items_total", "Work items the thread pool has completed.");
        var pause = factory.CreateCounter("dotnet_gc_pause_seconds_total", "Time the runtime was paused for garbage collection.");
        var contention = factory.CreateCounter("dotnet_monitor_lock_contention_total", "Times a thread waited for a contended Monitor lock.");
        var exceptions = factory.CreateCounter("dotnet_exceptions_total", "Exceptions thrown (first chance), handled or not.");
        registry.AddBeforeCollectCallback(() =>
        {
            threads.Set(ThreadPool.ThreadCount);
            queue.Set(ThreadPool.PendingWorkItemCount);
            completed.IncTo(ThreadPool.CompletedWorkItemCount);
            pause.IncTo(GC.GetTotalPauseDuration().TotalSeconds);
            contention.IncTo(Monitor.LockContentionCount);
            exceptions.IncTo(Interlocked.Read(ref s_exceptions));
        });
    }
}

/// <summary>What became of comparison records on their way to the store (SPEC §4: counters for the rest).</summary>
internal static class RecorderMetrics
{
    public static void Register(CollectorRegistry registry, IMetricFactory factory, DiffRecorder recorder)
    {
        var written = factory.CreateCounter("shadowproxy_diff_records_written_total", "Comparison records the store accepted.");
        var dropped = factory.CreateCounter("shadowproxy_diff_records_dropped_total", "Comparison records not stored because the recorder's queue was full.");
        var errors = factory.CreateCounter("shadowproxy_store_errors_total", "Store calls of the diff recorder that failed.");
        registry.AddBeforeCollectCallback(() =>
        {
            written.IncTo(recorder.Written);
            dropped.IncTo(recorder.Dropped);
            errors.IncTo(recorder.StoreErrors);
        });
    }
}
