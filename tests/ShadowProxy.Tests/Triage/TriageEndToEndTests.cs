using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ShadowProxy.Tests.Comparison;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Triage;

/// <summary>docs/comparison.md#arrays end to end, with real Kestrel backends: severity, grouping by cause, array order, the gate's severity.</summary>
public sealed class TriageEndToEndTests
{
    private static readonly string[] FiveEndpoints = ["/orders", "/users/me", "/catalog/items", "/carts/current/lines", "/health/deep/check/now"];

    [Fact]
    public async Task Header_differences_on_five_endpoints_make_one_grouped_row_per_header()
    {
        await using var legacy = await TestBackend.StartAsync("legacy", context => Json(context, """{"ok":true}""", ("X-Powered-By", "Express"), ("ETag", "\"abc\"")));
        await using var candidate = await TestBackend.StartAsync("candidate", context => Json(context, """{"ok":true}""", ("X-Powered-By", "Kestrel"), ("ETag", "\"def\"")));
        await using var proxy = await StartProxyAsync(legacy, candidate);
        await SendAsync(proxy, FiveEndpoints.SelectMany(path => Enumerable.Repeat(path, 4)));

        var rows = await EventuallyRowsAsync(proxy, "groupBy=path", rows => rows.Count == 2 && rows.All(r => r.GetProperty("count").GetInt64() == 20));

        Assert.Equal(["header:ETag", "header:X-Powered-By"], rows.Select(r => r.GetProperty("path").GetString()).Order(StringComparer.Ordinal));
        foreach (var row in rows)
        {
            Assert.Equal("Header", row.GetProperty("kind").GetString());
            Assert.Equal("cosmetic", row.GetProperty("severity").GetString());
            var endpoints = row.GetProperty("endpoints").EnumerateArray().ToList();
            Assert.Equal(5, endpoints.Count);
            Assert.All(endpoints, e => Assert.Equal(4, e.GetProperty("count").GetInt64()));
        }

        // Per endpoint the same differences are ten rows, one click away.
        var perEndpoint = await proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders/diffs/summary");
        Assert.Equal(10, perEndpoint.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task A_type_change_is_breaking_and_sorts_before_more_frequent_cosmetic_differences()
    {
        await using var legacy = await TestBackend.StartAsync("legacy", context => Json(context, """{"id":7,"name":"a"}""", ("X-Powered-By", "Express")));
        await using var candidate = await TestBackend.StartAsync("candidate", context =>
            Json(context, context.Request.Path.StartsWithSegments("/orders") ? """{"id":"7","name":"a"}""" : """{"id":7,"name":"a"}""", ("X-Powered-By", "Kestrel")));
        await using var proxy = await StartProxyAsync(legacy, candidate);
        await SendAsync(proxy, FiveEndpoints.SelectMany(path => Enumerable.Repeat(path, 3)));

        var grouped = await EventuallyRowsAsync(proxy, "groupBy=path", rows => rows.Sum(r => r.GetProperty("count").GetInt64()) == 15 + 3);
        Assert.Equal(("$.id", "TypeChanged", "breaking", 3L), Describe(grouped[0]));
        Assert.Equal(("header:X-Powered-By", "Header", "cosmetic", 15L), Describe(grouped[1]));

        var perEndpoint = (await proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders/diffs/summary")).GetProperty("rows");
        Assert.Equal("$.id", perEndpoint[0].GetProperty("path").GetString());
        Assert.Equal("breaking", perEndpoint[0].GetProperty("severity").GetString());

        var breakingOnly = (await proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders/diffs/summary?severity=breaking")).GetProperty("rows");
        Assert.Equal(["$.id"], breakingOnly.EnumerateArray().Select(r => r.GetProperty("path").GetString()));

        // An explicit sort still wins: by count the header comes first.
        var byCount = (await proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders/diffs/summary?groupBy=path&sort=count")).GetProperty("rows");
        Assert.Equal("header:X-Powered-By", byCount[0].GetProperty("path").GetString());

        // The report counts each endpoint's differing comparisons by their most severe difference.
        var report = await proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders/report");
        var byEndpoint = report.GetProperty("endpoints").EnumerateArray().ToDictionary(
            e => e.GetProperty("endpoint").GetString()!,
            e => (e.GetProperty("breaking").GetInt64(), e.GetProperty("risky").GetInt64(), e.GetProperty("cosmetic").GetInt64()));
        Assert.Equal((3L, 0L, 0L), byEndpoint["GET /orders"]);
        Assert.Equal((0L, 0L, 3L), byEndpoint["GET /users/me"]);
        var markdown = await proxy.Admin.GetStringAsync("/api/v1/migrations/orders/report?format=markdown");
        Assert.Contains("| diff rate | breaking | risky | cosmetic |", markdown, StringComparison.Ordinal);
        Assert.Contains("| 100.00% | 3 | 0 | 0 |", markdown, StringComparison.Ordinal);

        using var bad = await proxy.Admin.GetAsync("/api/v1/migrations/orders/diffs/summary?severity=fatal");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("severity", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_resorted_array_of_100_elements_is_one_array_order_difference()
    {
        await using var legacy = await TestBackend.StartAsync("legacy", context => Json(context, Items(Enumerable.Range(1, 100))));
        await using var candidate = await TestBackend.StartAsync("candidate", context => Json(context, Items(Enumerable.Range(1, 100).Reverse())));
        await using var proxy = await StartProxyAsync(legacy, candidate);
        await SendAsync(proxy, ["/orders"]);

        var differences = await OnlySampleDifferencesAsync(proxy);

        var order = Assert.Single(differences);
        Assert.Equal(("$.items", "ArrayOrder", "risky"), (order.GetProperty("path").GetString(), order.GetProperty("kind").GetString(), order.GetProperty("severity").GetString()));
        Assert.Contains("reversed", order.GetProperty("candidate").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_resorted_array_with_one_changed_element_reports_the_order_and_that_element_by_identity()
    {
        await using var legacy = await TestBackend.StartAsync("legacy", context => Json(context, Items(Enumerable.Range(1, 100))));
        await using var candidate = await TestBackend.StartAsync("candidate", context =>
            Json(context, Items(Enumerable.Range(1, 100).OrderBy(i => i % 10).ThenBy(i => i), changedId: 7)));
        await using var proxy = await StartProxyAsync(legacy, candidate);
        await SendAsync(proxy, ["/orders"]);

        var differences = await OnlySampleDifferencesAsync(proxy);

        Assert.Equal(
            ["$.items ArrayOrder", "$.items[id=7].price ValueChanged"],
            differences.Select(d => $"{d.GetProperty("path").GetString()} {d.GetProperty("kind").GetString()}"));
        Assert.Equal("70.5", differences[1].GetProperty("candidate").GetString());
    }

    [Fact]
    public async Task A_candidate_that_differs_only_in_cosmetic_headers_passes_the_diff_rate_gate_by_default()
    {
        await using var legacy = await TestBackend.StartAsync("legacy", context => Json(context, """{"id":7}""", ("X-Powered-By", "Express"), ("ETag", "\"abc\"")));
        await using var candidate = await TestBackend.StartAsync("candidate", context => Json(context, """{"id":7}""", ("X-Powered-By", "Kestrel"), ("ETag", "\"def\"")));
        await using var proxy = await StartProxyAsync(legacy, candidate, gated: true);
        await SendAsync(proxy, Enumerable.Repeat("/orders", 25));

        var gate = await EventuallyDiffGateAsync(proxy);

        Assert.Equal("Pass", gate.GetProperty("verdict").GetString());
        Assert.Equal(0, gate.GetProperty("value").GetDouble());
    }

    [Fact]
    public async Task A_candidate_that_changes_a_type_fails_the_diff_rate_gate()
    {
        await using var legacy = await TestBackend.StartAsync("legacy", context => Json(context, """{"id":7}""", ("X-Powered-By", "Express")));
        await using var candidate = await TestBackend.StartAsync("candidate", context => Json(context, """{"id":"7"}""", ("X-Powered-By", "Kestrel")));
        await using var proxy = await StartProxyAsync(legacy, candidate, gated: true);
        await SendAsync(proxy, Enumerable.Repeat("/orders", 25));

        var gate = await EventuallyDiffGateAsync(proxy);

        Assert.Equal("Fail", gate.GetProperty("verdict").GetString());
        Assert.Equal(1, gate.GetProperty("value").GetDouble());
    }

    private static async Task<TestProxy> StartProxyAsync(TestBackend legacy, TestBackend candidate, bool gated = false)
    {
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address, "/{**rest}");
        ComparisonEndToEndTests.IgnoreTestBackendHeader(config);
        if (gated)
        {
            config["ShadowProxy:Migrations:orders:Ramp:Gates:Window"] = "00:05:00";
            config["ShadowProxy:Migrations:orders:Ramp:Gates:MinSamples"] = "20";
        }

        return await TestProxy.StartAsync(config);
    }

    private static async Task SendAsync(TestProxy proxy, IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            using var response = await proxy.Client.GetAsync(path);
            response.EnsureSuccessStatusCode();
        }
    }

    private static async Task<List<JsonElement>> EventuallyRowsAsync(TestProxy proxy, string query, Func<List<JsonElement>, bool> complete)
    {
        List<JsonElement> rows = [];
        await Eventually.True(() =>
        {
            var summary = proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders/diffs/summary?" + query).GetAwaiter().GetResult();
            rows = [.. summary.GetProperty("rows").EnumerateArray()];
            return complete(rows);
        }, "every comparison reached the store", TimeSpan.FromSeconds(30));
        return rows;
    }

    private static async Task<List<JsonElement>> OnlySampleDifferencesAsync(TestProxy proxy)
    {
        JsonElement samples = default;
        await Eventually.True(() =>
        {
            samples = proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders/diffs").GetAwaiter().GetResult().GetProperty("samples");
            return samples.GetArrayLength() == 1;
        }, "the sample reached the store", TimeSpan.FromSeconds(30));
        var detail = await proxy.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/migrations/orders/diffs/{samples[0].GetProperty("id").GetInt64()}");
        return [.. detail.GetProperty("differences").EnumerateArray()];
    }

    private static async Task<JsonElement> EventuallyDiffGateAsync(TestProxy proxy)
    {
        JsonElement gate = default;
        await Eventually.True(() =>
        {
            var migration = proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders").GetAwaiter().GetResult();
            gate = migration.GetProperty("gates").GetProperty("gates").EnumerateArray().Single(g => g.GetProperty("name").GetString() == "diff rate");
            return gate.GetProperty("samples").GetInt64() >= 25;
        }, "all 25 comparisons reached the gate window", TimeSpan.FromSeconds(30));
        return gate;
    }

    private static (string?, string?, string?, long) Describe(JsonElement row) =>
        (row.GetProperty("path").GetString(), row.GetProperty("kind").GetString(), row.GetProperty("severity").GetString(), row.GetProperty("count").GetInt64());

    private static string Items(IEnumerable<int> ids, int? changedId = null) =>
        JsonSerializer.Serialize(new { items = ids.Select(id => new { id, name = $"item {id}", price = id == changedId ? id * 10 + 0.5 : id * 10 }) });

    private static Task Json(HttpContext context, string body, params (string Name, string Value)[] headers)
    {
        foreach (var (name, value) in headers)
        {
            context.Response.Headers[name] = value;
        }

        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body);
    }
}
