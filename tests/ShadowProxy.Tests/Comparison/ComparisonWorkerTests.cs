using System.Net.Http.Json;
using System.Text.Json;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Comparison;

public sealed class ComparisonWorkerTests
{
    [Fact]
    public async Task Comparison_threads_queue_no_thread_pool_work()
    {
        // They run at nice 10, and a pool worker the runtime creates on a thread that queues work inherits
        // that: it would serve requests at a tenth of the CPU weight until it retires. Everything a comparison
        // touches is exercised here: differences with kept and redacted samples, a noise mark, counters, the
        // endpoint report, weight changes saved while comparisons are recorded, and the host stopping.
        PoolWorkEvents.AssertObserving();
        await using var legacy = await TestBackend.StartAsync("legacy", context => ComparisonEndToEndTests.Order(context, "12.5", "shipped"));
        await using var candidate = await TestBackend.StartAsync("candidate", context => ComparisonEndToEndTests.Order(context, "12.5", "SHIPPED"));
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address, "/api/orders/{**rest}");
        ComparisonEndToEndTests.IgnoreTestBackendHeader(config);
        config["ShadowProxy:Migrations:orders:Redact:JsonPaths:0"] = "$.customer.email";
        await using (var proxy = await TestProxy.StartAsync(config))
        {
            using (var mark = await proxy.Admin.PostAsJsonAsync("/api/v1/migrations/orders/noise", new { path = "$.meta.requestId", endpoint = "GET /api/orders/{id}" }))
            {
                mark.EnsureSuccessStatusCode();
            }

            const int Requests = 200;
            for (var i = 1; i <= Requests; i++)
            {
                using var response = await proxy.Client.GetAsync($"/api/orders/{i}");
                response.EnsureSuccessStatusCode();
                if (i % 50 == 0)
                {
                    using var weight = await proxy.Admin.PostAsJsonAsync("/api/v1/migrations/orders/weight", new { weight = i % 100 == 0 ? 0 : 1 });
                    weight.EnsureSuccessStatusCode();
                }
            }

            await Eventually.True(() =>
            {
                var view = proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders").GetAwaiter().GetResult();
                return view.GetProperty("counters").GetProperty("diff").GetInt64() == Requests;
            }, $"all {Requests} pairs compared", TimeSpan.FromSeconds(20));
            await Eventually.True(() =>
            {
                var samples = proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders/diffs?endpoint=" + Uri.EscapeDataString("GET /api/orders/{id}")).GetAwaiter().GetResult();
                return samples.GetProperty("samples").GetArrayLength() > 0;
            }, "redacted samples were kept");
        }

        // Over the whole run so far: a comparison thread of any proxy in this process that queued work is a failure.
        Assert.Empty(PoolWorkEvents.QueuedFrom("shadowproxy-compare-"));
    }
}
