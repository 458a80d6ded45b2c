using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ShadowProxy.Metrics;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Comparison;

/// <summary>docs/comparison.md end to end: structural comparison, ignore rules, grouping, redacted samples.</summary>
public sealed class ComparisonEndToEndTests
{
    [Fact]
    public async Task Three_known_differences_yield_one_real_path_one_noise_path_and_redacted_samples()
    {
        // Differences: requestId (ignored by config), 12.5 vs 12.50 (equal), status casing (real).
        await using var legacy = await TestBackend.StartAsync("legacy", context => Order(context, "12.5", "shipped"));
        await using var candidate = await TestBackend.StartAsync("candidate", context => Order(context, "12.50", "SHIPPED"));
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address, "/api/orders/{**rest}");
        config["ShadowProxy:Migrations:orders:Diff:IgnoreJsonPaths:0"] = "$.meta.requestId";
        IgnoreTestBackendHeader(config);
        config["ShadowProxy:Migrations:orders:Redact:JsonPaths:0"] = "$.customer.email";
        await using var proxy = await TestProxy.StartAsync(config);

        for (var i = 1; i <= 100; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/orders/{i}");
            request.Headers.Add("Authorization", "Bearer user-secret-token");
            using var response = await proxy.Client.SendAsync(request);
            response.EnsureSuccessStatusCode();
        }

        JsonElement rows = default;
        await Eventually.True(() =>
        {
            var summary = proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders/diffs/summary").GetAwaiter().GetResult();
            rows = summary.GetProperty("rows");
            return rows.EnumerateArray().Any(r => r.GetProperty("path").GetString() == "$.status" && r.GetProperty("count").GetInt64() == 100);
        }, "all 100 comparisons reached the store", TimeSpan.FromSeconds(20));

        var real = rows.EnumerateArray().Where(r => !r.GetProperty("isNoise").GetBoolean()).ToList();
        Assert.True(real.Count == 1, rows.ToString());
        var only = real[0];
        Assert.Equal("$.status", only.GetProperty("path").GetString());
        Assert.Equal("GET /api/orders/{id}", only.GetProperty("endpoint").GetString());
        Assert.Equal("ValueChanged", only.GetProperty("kind").GetString());
        Assert.Equal(1.0, only.GetProperty("rate").GetDouble(), 3);
        var noise = Assert.Single(rows.EnumerateArray(), r => r.GetProperty("isNoise").GetBoolean());
        Assert.Equal("$.meta.requestId", noise.GetProperty("path").GetString());
        Assert.DoesNotContain(rows.EnumerateArray(), r => r.GetProperty("path").GetString()!.Contains("price"));

        var samples = await proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders/diffs?endpoint=" + Uri.EscapeDataString("GET /api/orders/{id}"));
        var sampleId = samples.GetProperty("samples")[0].GetProperty("id").GetInt64();
        var sample = await proxy.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/migrations/orders/diffs/{sampleId}");
        var stored = sample.GetProperty("sample");
        var authorization = stored.GetProperty("request").GetProperty("headers").EnumerateArray()
            .Single(h => h.GetProperty("key").GetString()!.Equals("Authorization", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("***", authorization.GetProperty("value").GetString());
        foreach (var side in new[] { "legacy", "candidate" })
        {
            var body = JsonDocument.Parse(stored.GetProperty(side).GetProperty("body").GetProperty("content").GetString()!).RootElement;
            Assert.Equal("***", body.GetProperty("customer").GetProperty("email").GetString());
            Assert.Equal("Ada", body.GetProperty("customer").GetProperty("name").GetString());
        }

        // A kept sample lists its differences with both values (records that keep no sample carry none).
        var status = Assert.Single(sample.GetProperty("differences").EnumerateArray(), d => d.GetProperty("path").GetString() == "$.status");
        Assert.Contains("shipped", status.GetProperty("legacy").GetString(), StringComparison.Ordinal);
        Assert.Contains("SHIPPED", status.GetProperty("candidate").GetString(), StringComparison.Ordinal);

        var counts = await proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders");
        Assert.Equal(100, counts.GetProperty("counters").GetProperty("diff").GetInt64());
    }

    [Fact]
    public async Task A_noise_mark_applies_to_the_next_comparisons()
    {
        await using var legacy = await TestBackend.StartAsync("legacy", context => Order(context, "12.5", "shipped"));
        await using var candidate = await TestBackend.StartAsync("candidate", context => Order(context, "12.5", "SHIPPED"));
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address, "/api/orders/{**rest}");
        config["ShadowProxy:Migrations:orders:Diff:IgnoreJsonPaths:0"] = "$.meta.requestId";
        IgnoreTestBackendHeader(config);
        await using var proxy = await TestProxy.StartAsync(config);

        using (var mark = await proxy.Admin.PostAsJsonAsync("/api/v1/migrations/orders/noise", new { path = "$.status", endpoint = "GET /api/orders/{id}" }))
        {
            mark.EnsureSuccessStatusCode();
        }

        for (var i = 1; i <= 20; i++)
        {
            (await proxy.Client.GetAsync($"/api/orders/{i}")).Dispose();
        }

        await Eventually.True(() =>
        {
            var view = proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders").GetAwaiter().GetResult();
            return view.GetProperty("counters").GetProperty("noise").GetInt64() == 20;
        }, "all 20 comparisons counted as noise");
        var after = await proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders");
        Assert.Equal(0, after.GetProperty("counters").GetProperty("diff").GetInt64());
    }

    [Fact]
    public async Task Identical_responses_with_repeated_headers_compare_as_a_match()
    {
        // The primary's headers come from the proxy's response, the shadow's from the shadow client: a header
        // sent twice must be joined the same way on both sides, or every such pair is a false difference.
        static Task Answer(HttpContext context)
        {
            context.Response.Headers.Append("Vary", "Accept");
            context.Response.Headers.Append("Vary", "Origin");
            context.Response.Headers.Append("X-Tags", "a");
            context.Response.Headers.Append("X-Tags", "b");
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync("{\"id\":1}");
        }

        await using var legacy = await TestBackend.StartAsync("legacy", Answer);
        await using var candidate = await TestBackend.StartAsync("candidate", Answer);
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address, "/api/orders/{**rest}");
        IgnoreTestBackendHeader(config);
        await using var proxy = await TestProxy.StartAsync(config);

        for (var i = 0; i < 5; i++)
        {
            using var response = await proxy.Client.GetAsync($"/api/orders/{i}");
            response.EnsureSuccessStatusCode();
            Assert.Equal(["Accept", "Origin"], response.Headers.Vary);
        }

        var comparisons = proxy.Services.GetRequiredService<ProxyMetrics>().Comparisons;
        await Eventually.True(() => comparisons.WithLabels("orders", "match").Value + comparisons.WithLabels("orders", "diff").Value == 5, "all 5 pairs compared");
        Assert.Equal(5, comparisons.WithLabels("orders", "match").Value);
    }

    [Fact]
    public async Task A_sample_cut_at_MaxDifferences_says_that_not_every_difference_is_listed()
    {
        static Task Answer(HttpContext context, int value)
        {
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync($$"""{"a":{{value}},"b":{{value}},"c":{{value}},"d":{{value}},"e":{{value}}}""");
        }

        await using var legacy = await TestBackend.StartAsync("legacy", context => Answer(context, 1));
        await using var candidate = await TestBackend.StartAsync("candidate", context => Answer(context, 2));
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address, "/api/orders/{**rest}");
        config["ShadowProxy:Migrations:orders:Diff:MaxDifferences"] = "2";
        IgnoreTestBackendHeader(config);
        await using var proxy = await TestProxy.StartAsync(config);

        (await proxy.Client.GetAsync("/api/orders/1")).Dispose();

        JsonElement samples = default;
        await Eventually.True(() =>
        {
            samples = proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders/diffs").GetAwaiter().GetResult().GetProperty("samples");
            return samples.GetArrayLength() == 1;
        }, "the sample reached the store");
        var detail = await proxy.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/migrations/orders/diffs/{samples[0].GetProperty("id").GetInt64()}");
        Assert.Equal(["$.a", "$.b"], detail.GetProperty("differences").EnumerateArray().Select(d => d.GetProperty("path").GetString()));
        Assert.True(detail.GetProperty("differencesTruncated").GetBoolean());
    }

    // The test backends name themselves in X-Backend: a real header difference these tests are not about.
    internal static void IgnoreTestBackendHeader(Dictionary<string, string?> config)
    {
        config["ShadowProxy:Migrations:orders:Diff:IgnoreHeaders:0"] = "Date";
        config["ShadowProxy:Migrations:orders:Diff:IgnoreHeaders:1"] = "X-Backend";
    }

    internal static Task Order(HttpContext context, string price, string status)
    {
        context.Response.ContentType = "application/json";
        var id = context.Request.Path.Value!.Split('/')[^1];
        var requestId = Guid.NewGuid();
        var json = "{\"id\":" + id + ",\"price\":" + price + ",\"status\":\"" + status + "\",\"meta\":{\"requestId\":\"" + requestId + "\"},"
            + "\"customer\":{\"name\":\"Ada\",\"email\":\"ada@example.com\"}}";
        return context.Response.WriteAsync(json);
    }
}
