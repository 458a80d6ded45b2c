using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Fleet;

/// <summary>Several in-process proxies on one Redis, with the same backends and key prefix.</summary>
internal sealed class Fleet : IAsyncDisposable
{
    private Fleet(List<TestProxy> instances) => Instances = instances;

    public List<TestProxy> Instances { get; }

    public TestProxy this[int index] => Instances[index];

    public static Dictionary<string, string?> Config(RedisServer redis, string prefix, Uri legacy, Uri candidate, IDictionary<string, string?>? extra = null)
    {
        var config = TestProxy.MigrationConfig("orders", legacy, candidate);
        foreach (var (key, value) in redis.StoreConfig(prefix))
        {
            config[key] = value;
        }

        config["ShadowProxy:Migrations:orders:Cohort:From"] = "Header:X-User-Id";
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        return config;
    }

    public static async Task<Fleet> StartAsync(int count, IDictionary<string, string?> config)
    {
        var instances = new List<TestProxy>();
        for (var i = 0; i < count; i++)
        {
            instances.Add(await TestProxy.StartAsync(config));
        }

        return new Fleet(instances);
    }

    public async Task StopAsync(TestProxy instance)
    {
        Instances.Remove(instance);
        await instance.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Instances.Select(i => i.DisposeAsync().AsTask()));
    }

    /// <summary>Which backend served one request of <paramref name="user"/> through <paramref name="proxy"/>.</summary>
    public static async Task<string?> BackendOf(TestProxy proxy, string user = "user-1", string path = "/api/orders/1")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-User-Id", user);
        using var response = await proxy.Client.SendAsync(request);
        return response.Headers.TryGetValues("X-Backend", out var values) ? values.First() : null;
    }

    public static async Task<JsonElement> MigrationAsync(TestProxy proxy) =>
        await proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders");

    public static async Task<decimal> WeightAsync(TestProxy proxy) => (await MigrationAsync(proxy)).GetProperty("weight").GetDecimal();

    /// <summary>Polls until <paramref name="condition"/> holds, with an upper bound.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string because, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {within.TotalSeconds:0.#} s waiting until {because}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>A backend whose answers do not depend on which backend it is (so comparisons match).</summary>
    public static Task<TestBackend> SameAnswerBackendAsync(string name) =>
        TestBackend.StartAsync(name, async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"id":1,"total":12.5}""");
        });
}
