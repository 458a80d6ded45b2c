using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ShadowProxy.Core.Endpoints;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Inventory;

/// <summary>
/// The endpoint inventory from real traffic through the proxy to a small legacy API (numeric, UUID and SKU ids, a
/// <c>/me</c> literal next to ids, query parameters, a 404 with a problem body): the endpoints come out as a person
/// would write them.
/// </summary>
public sealed class InventoryTests
{
    [Fact]
    public async Task An_audit_learns_the_endpoints_as_a_person_would_write_them()
    {
        await using var legacy = await LegacyApiAsync();
        var config = AuditConfig(legacy.Address);
        await using var proxy = await TestProxy.StartAsync(config);

        var sent = await DriveAsync(proxy.Client);
        var inventory = await InventoryAsync(proxy, sent);

        var endpoints = inventory.GetProperty("endpoints").EnumerateArray().ToDictionary(e => e.GetProperty("method").GetString() + " " + e.GetProperty("template").GetString());
        Assert.Equal(
            ["GET /api/catalog/products/search", "GET /api/catalog/products/{id}", "GET /api/missing/{id}", "GET /api/orders/{id}", "GET /api/users/me", "GET /api/users/{id}", "POST /api/orders"],
            endpoints.Keys.Order(StringComparer.Ordinal));
        var products = endpoints["GET /api/catalog/products/{id}"];
        Assert.Equal(40, products.GetProperty("requests").GetInt64());
        Assert.Equal(40, products.GetProperty("statusClasses").GetProperty("2xx").GetInt64());
        Assert.Equal("application/json", products.GetProperty("contentTypes")[0].GetProperty("name").GetString());
        Assert.True(products.GetProperty("p50Ms").GetDouble() > 0);
        Assert.True(products.GetProperty("responseBytes").GetProperty("mean").GetInt64() > 0);
        Assert.Equal("unseen", products.GetProperty("verdict").GetString());
        Assert.Equal(0, products.GetProperty("comparisons").GetInt64());

        var search = endpoints["GET /api/catalog/products/search"];
        Assert.Equal(["q", "page"], search.GetProperty("queryParameters").EnumerateArray().Select(q => q.GetProperty("name").GetString()));
        Assert.Equal([5L, 2L], search.GetProperty("queryParameters").EnumerateArray().Select(q => q.GetProperty("count").GetInt64()));

        var missing = endpoints["GET /api/missing/{id}"];
        Assert.Equal(3, missing.GetProperty("statusClasses").GetProperty("4xx").GetInt64());
        Assert.Equal(404, missing.GetProperty("statuses")[0].GetProperty("status").GetInt32());
        Assert.Equal("application/problem+json", missing.GetProperty("contentTypes")[0].GetProperty("name").GetString());

        var post = endpoints["POST /api/orders"];
        Assert.True(post.GetProperty("requestBytes").GetProperty("mean").GetInt64() > 0);
        Assert.True(post.GetProperty("firstSeen").GetDateTimeOffset() <= post.GetProperty("lastSeen").GetDateTimeOffset());
        Assert.Equal(sent, inventory.GetProperty("requests").GetInt64());

        var migration = JsonDocument.Parse(await proxy.Admin.GetStringAsync("/api/v1/migrations/shop")).RootElement;
        Assert.Equal("Auditing", migration.GetProperty("status").GetString());
        Assert.DoesNotContain(legacy.Requests, r => r.IsShadow);
    }

    [Fact]
    public async Task The_sample_sink_gets_legacy_bodies_per_endpoint_and_status()
    {
        await using var legacy = await LegacyApiAsync();
        var sink = new RecordingSink();
        await using var proxy = await TestProxy.StartAsync(AuditConfig(legacy.Address), services => services.AddSingleton<IEndpointSampleSink>(sink));

        var sent = await DriveAsync(proxy.Client);
        await InventoryAsync(proxy, sent);
        await Eventually.True(() => sink.Samples.ContainsKey(("GET /api/missing/{id}", 404)), "the 404 was sampled");

        var problem = sink.Samples[("GET /api/missing/{id}", 404)];
        Assert.Contains("\"status\":404", System.Text.Encoding.UTF8.GetString(problem.ResponseBody.Span), StringComparison.Ordinal);
        Assert.Equal("application/problem+json", problem.ResponseContentType);
        Assert.True(sink.Samples.ContainsKey(("GET /api/catalog/products/{id}", 200)));
        var post = sink.Samples[("POST /api/orders", 201)];
        Assert.Contains("\"sku\"", System.Text.Encoding.UTF8.GetString(post.RequestBody.Span), StringComparison.Ordinal);
        Assert.All(sink.Counts.Keys, key => Assert.True(sink.Samples.ContainsKey(key)));
    }

    [Fact]
    public async Task Adding_a_candidate_by_live_reload_starts_shadowing_and_the_inventory_carries_on()
    {
        await using var legacy = await LegacyApiAsync();
        await using var candidate = await TestBackend.StartAsync("candidate");
        await using var proxy = await TestProxy.StartAsync(AuditConfig(legacy.Address));
        for (var n = 0; n < 20; n++)
        {
            using var response = await proxy.Client.GetAsync($"/api/catalog/products/SKU-{1011 + n}");
        }

        await InventoryAsync(proxy, 20);
        Assert.Equal(0, candidate.Started);

        var configuration = proxy.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>();
        configuration["ShadowProxy:Migrations:shop:Candidate:Address"] = candidate.Address.ToString();
        await proxy.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<global::ShadowProxy.Setup.ConfigReloader>().Single().ReloadAsync(CancellationToken.None);
        var migration = JsonDocument.Parse(await proxy.Admin.GetStringAsync("/api/v1/migrations/shop")).RootElement;
        Assert.Equal("Shadowing", migration.GetProperty("status").GetString());

        for (var n = 0; n < 20; n++)
        {
            using var response = await proxy.Client.GetAsync($"/api/catalog/products/SKU-{2011 + n}");
        }

        await Eventually.True(() => candidate.Requests.Count(r => r.IsShadow) == 20, "every request after the reload was mirrored");
        var inventory = await InventoryAsync(proxy, 40);
        var products = Assert.Single(inventory.GetProperty("endpoints").EnumerateArray());
        Assert.Equal("/api/catalog/products/{id}", products.GetProperty("template").GetString());
        Assert.Equal(40, products.GetProperty("requests").GetInt64());
        await Eventually.True(() => Comparisons(proxy) > 0, "the mirrored requests were compared");
    }

    private static long Comparisons(TestProxy proxy)
    {
        var inventory = JsonDocument.Parse(proxy.Admin.GetStringAsync("/api/v1/migrations/shop/endpoints").GetAwaiter().GetResult()).RootElement;
        return inventory.GetProperty("endpoints")[0].GetProperty("comparisons").GetInt64();
    }

    private static Dictionary<string, string?> AuditConfig(Uri legacy)
    {
        var config = TestProxy.MigrationConfig("shop", legacy, new Uri("http://127.0.0.1:1"));
        config.Remove("ShadowProxy:Migrations:shop:Candidate:Address");
        return config;
    }

    /// <summary>Sends the traffic of the tests; returns how many requests were sent.</summary>
    private static async Task<long> DriveAsync(HttpClient client)
    {
        var sent = 0L;
        async Task Send(HttpRequestMessage request)
        {
            using var response = await client.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            sent++;
        }

        for (var n = 0; n < 40; n++)
        {
            await Send(new HttpRequestMessage(HttpMethod.Get, $"/api/catalog/products/SKU-{1011 + n}"));
        }

        for (var n = 0; n < 5; n++)
        {
            await Send(new HttpRequestMessage(HttpMethod.Get, n < 2 ? $"/api/catalog/products/search?q=lamp{n}&page={n}" : $"/api/catalog/products/search?q=desk{n}"));
            await Send(new HttpRequestMessage(HttpMethod.Get, $"/api/users/{100 + n}"));
            await Send(new HttpRequestMessage(HttpMethod.Get, "/api/users/me"));
            await Send(new HttpRequestMessage(HttpMethod.Get, $"/api/orders/{Guid.NewGuid()}"));
            await Send(new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = new StringContent($$"""{"sku":"SKU-{{n}}","quantity":{{n + 1}}}""", System.Text.Encoding.UTF8, "application/json") });
        }

        for (var n = 0; n < 3; n++)
        {
            await Send(new HttpRequestMessage(HttpMethod.Get, $"/api/missing/{n}"));
        }

        return sent;
    }

    private static async Task<JsonElement> InventoryAsync(TestProxy proxy, long requests)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var inventory = JsonDocument.Parse(await proxy.Admin.GetStringAsync("/api/v1/migrations/shop/endpoints")).RootElement;
            if (inventory.GetProperty("requests").GetInt64() >= requests || DateTime.UtcNow > deadline)
            {
                return inventory;
            }

            await Task.Delay(20);
        }
    }

    /// <summary>The legacy API of the tests: JSON bodies, a problem body for what it does not have.</summary>
    private static Task<TestBackend> LegacyApiAsync() => TestBackend.StartAsync("legacy", async context =>
    {
        var path = context.Request.Path.Value ?? "/";
        if (path.StartsWith("/api/missing/", StringComparison.Ordinal))
        {
            context.Response.StatusCode = 404;
            context.Response.ContentType = "application/problem+json";
            await context.Response.WriteAsync("""{"type":"about:blank","title":"Not Found","status":404}""");
            return;
        }

        if (HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.StatusCode = (int)HttpStatusCode.Created;
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        var body = $$"""{"path":"{{path}}","id":"{{Guid.NewGuid()}}","createdAt":"2024-01-05T10:00:00Z","email":"a@example.com","status":"open"}""";
        context.Response.ContentLength = System.Text.Encoding.UTF8.GetByteCount(body);
        await context.Response.WriteAsync(body);
    });

    private sealed class RecordingSink : IEndpointSampleSink
    {
        public const int PerStatus = 3;

        public ConcurrentDictionary<(string Endpoint, int Status), EndpointSample> Samples { get; } = new();

        public ConcurrentDictionary<(string Endpoint, int Status), int> Counts { get; } = new();

        public bool WantsSample(string migration, string endpoint, int status) => Counts.GetValueOrDefault((endpoint, status)) < PerStatus;

        // Adds run on the thread pool: a few may pass WantsSample before the first is counted; like any sink
        // (the contract, IEndpointSampleSink), this one keeps its bound itself and drops the extras.
        public void Add(string migration, string endpoint, int status, EndpointSample sample)
        {
            if (Counts.AddOrUpdate((endpoint, status), 1, (_, n) => Math.Min(n + 1, PerStatus + 1)) <= PerStatus)
            {
                Samples[(endpoint, status)] = sample;
            }
        }
    }
}
