using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ShadowProxy.Tests.Fleet;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Replay;

/// <summary>
/// The replay corpus (docs/admin-api.md#replay-corpus) through a real proxy, in both stores: bounded per endpoint with the newest kept,
/// redacted before it is stored, served as JSON and as valid HAR 1.2, and still there after a restart.
/// </summary>
public sealed class ReplayCorpusTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Redis")]
    public async Task The_corpus_keeps_the_newest_exchanges_per_endpoint_redacted_and_survives_a_restart(string provider)
    {
        await using var legacy = await TestBackend.StartAsync("legacy", Answer);
        await using var candidate = await TestBackend.StartAsync("candidate", Answer);
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Migrations:orders:Replay:PerEndpoint"] = "3";
        config["ShadowProxy:Migrations:orders:Redact:JsonPaths:0"] = "$.customer.email";
        if (provider == "Redis")
        {
            foreach (var (key, value) in redis.Server.StoreConfig("corpus-" + Guid.NewGuid().ToString("N")[..8] + ":"))
            {
                config[key] = value;
            }
        }

        long oldest;
        await using (var proxy = await TestProxy.StartAsync(config))
        {
            for (var id = 1; id <= 3; id++)
            {
                await GetAsync(proxy, $"/api/orders/{id}?expand=lines");
            }

            await GetAsync(proxy, "/api/health");
            await Eventually.True(() => Paths(ExchangesAsync(proxy).Result).Count == 4, "the first exchanges of each endpoint are recorded", TimeSpan.FromSeconds(20));

            // Past its first three, an endpoint takes the newest exchange now and then: keep asking until one lands.
            // Pairs are compared in parallel, so "oldest" is the first recorded (lowest id), not the first sent.
            oldest = (await ExchangesAsync(proxy)).GetProperty("exchanges").EnumerateArray()
                .Where(e => e.GetProperty("endpoint").GetString() == "GET /api/orders/{id}").Min(e => e.GetProperty("id").GetInt64());
            var next = 4;
            await Eventually.True(() =>
            {
                GetAsync(proxy, $"/api/orders/{next++}?expand=lines").Wait();
                Thread.Sleep(50);
                return Paths(ExchangesAsync(proxy).Result).Except(["/api/orders/1", "/api/orders/2", "/api/orders/3", "/api/health"]).Any();
            }, "a newer exchange replaces the oldest", TimeSpan.FromSeconds(30));

            var corpus = await ExchangesAsync(proxy);
            var orders = corpus.GetProperty("exchanges").EnumerateArray().Where(e => e.GetProperty("endpoint").GetString() == "GET /api/orders/{id}").ToList();
            Assert.Equal(3, orders.Count);
            Assert.DoesNotContain(oldest, orders.Select(e => e.GetProperty("id").GetInt64()));
            Assert.Equal(orders.Select(e => e.GetProperty("id").GetInt64()).OrderDescending(), orders.Select(e => e.GetProperty("id").GetInt64()));

            var newest = orders[0];
            var request = newest.GetProperty("request");
            Assert.Equal("GET", request.GetProperty("method").GetString());
            Assert.Equal("?expand=lines", request.GetProperty("query").GetString());
            Assert.Equal("***", Header(request, "Authorization"));
            Assert.Null(Header(request, "X-Shadow-Request"));
            var response = newest.GetProperty("response");
            Assert.Equal(200, response.GetProperty("status").GetInt32());
            Assert.Equal("***", Header(response, "Set-Cookie"));
            var body = JsonDocument.Parse(response.GetProperty("body").GetProperty("content").GetString()!).RootElement;
            Assert.Equal("***", body.GetProperty("customer").GetProperty("email").GetString());
            Assert.Equal("Ada", body.GetProperty("customer").GetProperty("name").GetString());
            Assert.DoesNotContain("ada@example.com", corpus.GetRawText());
            Assert.DoesNotContain("secret-token", corpus.GetRawText());

            // The rules a replay needs travel with the corpus.
            Assert.Equal("$.customer.email", corpus.GetProperty("rules").GetProperty("redact").GetProperty("jsonPaths")[0].GetString());
            Assert.Contains("Date", corpus.GetProperty("rules").GetProperty("diff").GetProperty("ignoreHeaders").EnumerateArray().Select(h => h.GetString()));

            var har = await GetJsonAsync(proxy, "/api/v1/migrations/orders/exchanges?format=har&endpoint=" + Uri.EscapeDataString("GET /api/orders/{id}"));
            HarValidation.AssertValid(har);
            var entries = har.GetProperty("log").GetProperty("entries").EnumerateArray().ToList();
            Assert.Equal(3, entries.Count);
            Assert.StartsWith(legacy.Address.GetLeftPart(UriPartial.Authority) + "/api/orders/", entries[0].GetProperty("request").GetProperty("url").GetString());
            Assert.Equal("expand", entries[0].GetProperty("request").GetProperty("queryString")[0].GetProperty("name").GetString());
            Assert.Equal("GET /api/orders/{id}", entries[0].GetProperty("_endpoint").GetString());
            Assert.DoesNotContain("ada@example.com", har.GetRawText());
            Assert.Equal("orders", har.GetProperty("log").GetProperty("_shadowProxy").GetProperty("migration").GetString());

            var limited = await GetJsonAsync(proxy, "/api/v1/migrations/orders/exchanges?limit=2");
            Assert.Equal(2, limited.GetProperty("exchanges").GetArrayLength());
        }

        // A new process on the same store serves the same corpus.
        await using (var restarted = await TestProxy.StartAsync(config))
        {
            var corpus = await ExchangesAsync(restarted);
            Assert.Equal(4, corpus.GetProperty("exchanges").GetArrayLength());
            Assert.DoesNotContain(oldest, corpus.GetProperty("exchanges").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()));
        }
    }

    [Fact]
    public async Task Bad_queries_are_400_and_an_unknown_migration_is_404_and_zero_keeps_nothing()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Migrations:orders:Replay:PerEndpoint"] = "0";
        await using var proxy = await TestProxy.StartAsync(config);

        foreach (var query in new[] { "limit=0", "limit=abc", "limit=5001", "format=xml" })
        {
            using var bad = await proxy.Admin.GetAsync("/api/v1/migrations/orders/exchanges?" + query);
            Assert.Equal(400, (int)bad.StatusCode);
            Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        }

        using var unknown = await proxy.Admin.GetAsync("/api/v1/migrations/nope/exchanges");
        Assert.Equal(404, (int)unknown.StatusCode);

        await GetAsync(proxy, "/api/orders/1");
        await Eventually.True(() => proxy.Services.GetService(typeof(ShadowProxy.Replay.ReplayRecorder)) is ShadowProxy.Replay.ReplayRecorder { Recorded: 0 } && ComparedAsync(proxy).Result > 0, "the pair is compared");
        Assert.Equal(0, (await ExchangesAsync(proxy)).GetProperty("exchanges").GetArrayLength());
    }

    private static async Task Answer(HttpContext context)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.SetCookie = "session=abc123; HttpOnly";
        await context.Response.WriteAsync($$$"""{"path":"{{{context.Request.Path}}}","customer":{"name":"Ada","email":"ada@example.com"}}""");
    }

    private static async Task GetAsync(TestProxy proxy, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "secret-token");
        using var response = await proxy.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    private static Task<JsonElement> ExchangesAsync(TestProxy proxy) => GetJsonAsync(proxy, "/api/v1/migrations/orders/exchanges");

    private static async Task<JsonElement> GetJsonAsync(TestProxy proxy, string path)
    {
        using var response = await proxy.Admin.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static async Task<long> ComparedAsync(TestProxy proxy)
    {
        var migration = await GetJsonAsync(proxy, "/api/v1/migrations/orders");
        var counters = migration.GetProperty("counters");
        return counters.GetProperty("match").GetInt64() + counters.GetProperty("diff").GetInt64() + counters.GetProperty("noise").GetInt64();
    }

    private static List<string> Paths(JsonElement corpus) =>
        [.. corpus.GetProperty("exchanges").EnumerateArray().Select(e => e.GetProperty("request").GetProperty("path").GetString()!)];

    private static string? Header(JsonElement message, string name) =>
        message.GetProperty("headers").EnumerateArray()
            .Where(h => string.Equals(h.GetProperty("key").GetString(), name, StringComparison.OrdinalIgnoreCase))
            .Select(h => h.GetProperty("value").GetString())
            .FirstOrDefault();
}
