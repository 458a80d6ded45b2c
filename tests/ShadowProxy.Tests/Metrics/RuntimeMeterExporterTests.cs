using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Metrics;

/// <summary>
/// .NET's <c>System.Runtime</c> meter on <c>/metrics</c> under OpenTelemetry's Prometheus names, with the
/// Prometheus type its meaning calls for (the dashboards and <c>rate()</c> depend on it).
/// </summary>
public sealed class RuntimeMeterExporterTests
{
    [Fact]
    public async Task Runtime_meter_is_exported_with_prometheus_names_and_types()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        await using var proxy = await TestProxy.StartAsync(TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address));
        var text = await proxy.Admin.GetStringAsync("/metrics");

        // Running totals are counters; current values gauges, also those the runtime publishes as counters.
        Assert.Contains("# TYPE dotnet_gc_pause_time_seconds_total counter\n", text);
        Assert.Contains("# TYPE dotnet_thread_pool_work_item_count_total counter\n", text);
        Assert.Contains("# TYPE dotnet_monitor_lock_contentions_total counter\n", text);
        Assert.Contains("# TYPE dotnet_gc_heap_total_allocated_bytes_total counter\n", text);
        Assert.Contains("# TYPE dotnet_thread_pool_thread_count gauge\n", text);
        Assert.Contains("# TYPE dotnet_thread_pool_queue_length gauge\n", text);
        Assert.Contains("# TYPE dotnet_gc_last_collection_heap_size_bytes gauge\n", text);

        // CPU time, working set and collections are prometheus-net's process set, not repeated under a second name.
        Assert.Contains("# TYPE process_cpu_seconds_total counter\n", text);
        Assert.DoesNotContain("dotnet_process_cpu_time", text);
        Assert.DoesNotContain("dotnet_process_memory_working_set", text);
        Assert.DoesNotContain("dotnet_gc_collections", text);
    }
}
