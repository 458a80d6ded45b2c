using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Metrics;

/// <summary>docs/metrics.md on a real scrape: exact counter values per label set after known traffic.</summary>
public sealed class MetricsScrapeTests
{
    private const string Migration = "orders";

    [Fact]
    public async Task Scrape_after_known_traffic_shows_exact_counts_per_label_set()
    {
        var slowShadow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var legacy = await TestBackend.StartAsync("legacy", context => Answer(context, diff: false, Task.CompletedTask));
        await using var candidate = await TestBackend.StartAsync("candidate", context => Answer(context, diff: true, slowShadow.Task));
        var config = TestProxy.MigrationConfig(Migration, legacy.Address, candidate.Address);
        var prefix = $"ShadowProxy:Migrations:{Migration}:";
        config[prefix + "Shadow:Methods:0"] = "GET";
        config[prefix + "Shadow:Methods:1"] = "POST";
        config[prefix + "Shadow:MaxBodyBytes"] = "1024";
        config[prefix + "Shadow:MaxInFlight"] = "1";
        config[prefix + "Shadow:Timeout"] = "00:00:30";
        config[prefix + "Diff:IgnoreHeaders:0"] = "X-Backend";
        config[prefix + "Diff:IgnoreHeaders:1"] = "Date";
        config[prefix + "Diff:IgnoreHeaders:2"] = "Server";
        await using var proxy = await TestProxy.StartAsync(config);

        // Legacy primary (weight 0): every mirrored request goes to the candidate.
        for (var i = 0; i < 3; i++)
        {
            await Get(proxy, "/api/same");
            await WaitForShadowsAsync(proxy, completed: i + 1);
        }

        // MaxInFlight is 1: each shadow completes before the next request, or it would be dropped.
        await Get(proxy, "/api/diff");
        await WaitForShadowsAsync(proxy, completed: 4);
        await Get(proxy, "/api/diff");
        await WaitForShadowsAsync(proxy, completed: 5);
        await Get(proxy, "/api/missing", HttpStatusCode.NotFound);
        await WaitForShadowsAsync(proxy, completed: 6);
        using (var delete = await proxy.Client.DeleteAsync("/api/same"))
        {
            Assert.Equal(HttpStatusCode.OK, delete.StatusCode); // DELETE is not a shadow method: skipped_method
        }

        using (var post = await proxy.Client.PostAsync("/api/same", new ByteArrayContent(new byte[2048])))
        {
            Assert.Equal(HttpStatusCode.OK, post.StatusCode); // over MaxBodyBytes: skipped_body
        }

        // One shadow hangs at the candidate and holds the only slot: the next one is dropped.
        await Get(proxy, "/api/slow");
        await Eventually.True(() => candidate.Requests.Any(r => r.Path == "/api/slow"), "the slow shadow reached the candidate");
        await Get(proxy, "/api/same");
        slowShadow.SetResult();
        await WaitForShadowsAsync(proxy, completed: 7);

        var scrape = await PrometheusText.ScrapeAsync(proxy.Admin);
        Assert.Equal("counter", scrape.Types["shadowproxy_requests_total"]);
        Assert.Equal("histogram", scrape.Types["shadowproxy_request_duration_seconds"]);
        Assert.Equal("gauge", scrape.Types["shadowproxy_candidate_weight_percent"]);
        Assert.Equal(9, scrape.Value("shadowproxy_requests_total", "migration=orders", "backend=legacy", "code=2xx"));
        Assert.Equal(1, scrape.Value("shadowproxy_requests_total", "migration=orders", "backend=legacy", "code=4xx"));
        Assert.Equal(0, scrape.ValueOrZero("shadowproxy_requests_total", "migration=orders", "backend=candidate", "code=2xx"));
        Assert.Equal(10, scrape.Value("shadowproxy_request_duration_seconds_count", "migration=orders", "backend=legacy"));
        Assert.Equal(7, scrape.Value("shadowproxy_shadow_requests_total", "migration=orders", "outcome=completed"));
        Assert.Equal(1, scrape.Value("shadowproxy_shadow_requests_total", "migration=orders", "outcome=dropped"));
        Assert.Equal(1, scrape.Value("shadowproxy_shadow_requests_total", "migration=orders", "outcome=skipped_body"));
        Assert.Equal(1, scrape.Value("shadowproxy_shadow_requests_total", "migration=orders", "outcome=skipped_method"));
        Assert.Equal(0, scrape.ValueOrZero("shadowproxy_shadow_requests_total", "migration=orders", "outcome=error"));
        Assert.Equal(5, scrape.Value("shadowproxy_comparisons_total", "migration=orders", "result=match"));
        Assert.Equal(2, scrape.Value("shadowproxy_comparisons_total", "migration=orders", "result=diff"));
        Assert.Equal(0, scrape.ValueOrZero("shadowproxy_comparisons_total", "migration=orders", "result=noise"));
        Assert.Equal(0, scrape.Value("shadowproxy_candidate_weight_percent", "migration=orders"));

        // The candidate takes all traffic; its shadows go back to legacy (reverse shadow).
        using (var weight = await proxy.Admin.PostAsJsonAsync($"/api/v1/migrations/{Migration}/weight", new { weight = 100, reason = "metrics test" }))
        {
            Assert.Equal(HttpStatusCode.OK, weight.StatusCode);
        }

        Assert.Equal(100, (await PrometheusText.ScrapeAsync(proxy.Admin)).Value("shadowproxy_candidate_weight_percent", "migration=orders"));
        await Get(proxy, "/api/same");
        await WaitForShadowsAsync(proxy, completed: 8);
        await Get(proxy, "/api/same");
        await WaitForShadowsAsync(proxy, completed: 9);

        using (var rollback = await proxy.Admin.PostAsJsonAsync($"/api/v1/migrations/{Migration}/rollback", new { reason = "metrics test rollback" }))
        {
            Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        }

        await Get(proxy, "/api/same");
        await WaitForShadowsAsync(proxy, completed: 10);

        scrape = await PrometheusText.ScrapeAsync(proxy.Admin);
        Assert.Equal(2, scrape.Value("shadowproxy_requests_total", "migration=orders", "backend=candidate", "code=2xx"));
        Assert.Equal(10, scrape.Value("shadowproxy_requests_total", "migration=orders", "backend=legacy", "code=2xx"));
        Assert.Equal(10, scrape.Value("shadowproxy_shadow_requests_total", "migration=orders", "outcome=completed"));
        Assert.Equal(8, scrape.Value("shadowproxy_comparisons_total", "migration=orders", "result=match"));
        Assert.Equal(0, scrape.Value("shadowproxy_candidate_weight_percent", "migration=orders"));
        Assert.Equal(1, scrape.Value("shadowproxy_rollbacks_total", "migration=orders", "trigger=manual"));
        Assert.Equal(0, scrape.ValueOrZero("shadowproxy_rollbacks_total", "migration=orders", "trigger=automatic"));
        Assert.Equal(0, scrape.ValueOrZero("shadowproxy_failovers_total", "migration=orders"));
    }

    [Fact]
    public async Task Scrape_has_process_runtime_and_recorder_metrics_and_bounded_labels()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        await using var proxy = await TestProxy.StartAsync(TestProxy.MigrationConfig(Migration, legacy.Address, candidate.Address));
        for (var i = 0; i < 5; i++)
        {
            await Get(proxy, $"/api/orders/{Guid.NewGuid()}?user={i}");
        }

        var scrape = await PrometheusText.ScrapeAsync(proxy.Admin);
        foreach (var name in new[]
        {
            "process_cpu_seconds_total", "process_working_set_bytes", "process_start_time_seconds", "dotnet_collection_count_total",
            "dotnet_total_memory_bytes", "dotnet_thread_pool_thread_count", "dotnet_thread_pool_queue_length", "dotnet_gc_pause_time_seconds_total",
            "dotnet_thread_pool_work_item_count_total", "dotnet_monitor_lock_contentions_total",
            "shadowproxy_diff_records_written_total", "shadowproxy_diff_records_dropped_total", "shadowproxy_store_errors_total",
        })
        {
            Assert.Contains(name, scrape.Names);
        }

        Assert.True(scrape.Value("process_start_time_seconds") > 0);

        // No raw path, query or id ever becomes a label value.
        // status and gate (docs/metrics.md#migration-state) take their values from fixed enums; the runtime meter's error_type
        // (exception type names) and gc_heap_generation (gen0 ... poh) from sets the program bounds.
        var allowed = new HashSet<string> { "migration", "backend", "code", "outcome", "result", "trigger", "le", "generation", "status", "gate", "error_type", "gc_heap_generation" };
        foreach (var sample in scrape.Samples)
        {
            Assert.All(sample.Labels.Keys, key => Assert.Contains(key, allowed));
            Assert.All(sample.Labels.Values, value => Assert.DoesNotContain("/", value));
        }
    }

    private static async Task Get(TestProxy proxy, string path, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await proxy.Client.GetAsync(path);
        Assert.Equal(expected, response.StatusCode);
    }

    private static async Task WaitForShadowsAsync(TestProxy proxy, int completed)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        int compared;
        while ((compared = await ComparedAsync(proxy)) != completed)
        {
            Assert.True(compared < completed, $"{compared} shadow pairs were compared, more than the {completed} expected");
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {completed} shadow pairs were compared ({compared} so far)");
            await Task.Delay(10);
        }
    }

    private static async Task<int> ComparedAsync(TestProxy proxy)
    {
        var scrape = await PrometheusText.ScrapeAsync(proxy.Admin);
        return (int)(scrape.ValueOrZero("shadowproxy_comparisons_total", "migration=orders", "result=match")
            + scrape.ValueOrZero("shadowproxy_comparisons_total", "migration=orders", "result=diff")
            + scrape.ValueOrZero("shadowproxy_comparisons_total", "migration=orders", "result=noise"));
    }

    private static async Task Answer(HttpContext context, bool diff, Task gate)
    {
        var path = context.Request.Path.Value;
        if (path == "/api/slow")
        {
            await gate;
        }

        if (path == "/api/missing")
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(diff && path == "/api/diff" ? """{"v":2}""" : """{"v":1}""");
    }
}
