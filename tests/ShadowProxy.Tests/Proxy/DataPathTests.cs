using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using ShadowProxy.Metrics;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Proxy;

public sealed class DataPathTests
{
    [Fact]
    public async Task Legacy_serves_and_candidate_receives_an_identical_marked_shadow()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        await using var proxy = await TestProxy.StartAsync(TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/orders/42?expand=items&x=1");
        request.Headers.Add("X-User-Id", "user-7");
        request.Headers.Add("X-Custom", "value-1");
        using var response = await proxy.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("legacy", response.Headers.GetValues("X-Backend").Single());
        Assert.Equal("""{"backend":"legacy","path":"/api/orders/42"}""", await response.Content.ReadAsStringAsync());
        await Eventually.True(() => candidate.Requests.Count == 1, "the candidate got the shadow");

        var shadow = Assert.Single(candidate.Requests);
        var original = Assert.Single(legacy.Requests);
        Assert.True(shadow.IsShadow);
        Assert.False(original.IsShadow);
        Assert.Equal("GET", shadow.Method);
        Assert.Equal("/api/orders/42", shadow.Path);
        Assert.Equal("?expand=items&x=1", shadow.Query);
        Assert.Equal("user-7", shadow.Header("X-User-Id"));
        Assert.Equal("value-1", shadow.Header("X-Custom"));
        Assert.Empty(shadow.Body);
    }

    [Fact]
    public async Task Post_is_not_mirrored_by_default()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        await using var proxy = await TestProxy.StartAsync(TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address));

        using var response = await proxy.Client.PostAsync("/api/orders", new StringContent("""{"sku":"A-1"}""", Encoding.UTF8, "application/json"));
        Assert.Equal("legacy", response.Headers.GetValues("X-Backend").Single());

        // A GET sent afterwards is mirrored; once it arrives, the POST would have too had it been mirrored.
        using var get = await proxy.Client.GetAsync("/api/orders/1");
        await Eventually.True(() => !candidate.Requests.IsEmpty, "the GET's shadow arrived");
        await Task.Delay(100);
        Assert.All(candidate.Requests, r => Assert.Equal("GET", r.Method));
        Assert.Equal("""{"sku":"A-1"}""", Encoding.UTF8.GetString(legacy.Requests.Single(r => r.Method == "POST").Body));
        Assert.Equal(1, SkippedMethod(proxy));
    }

    [Fact]
    public async Task Post_is_mirrored_with_its_body_when_configured()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Migrations:orders:Shadow:Methods:0"] = "GET";
        config["ShadowProxy:Migrations:orders:Shadow:Methods:1"] = "POST";
        await using var proxy = await TestProxy.StartAsync(config);

        var body = """{"sku":"A-1","qty":3}""";
        using var response = await proxy.Client.PostAsync("/api/orders?src=test", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await Eventually.True(() => candidate.Requests.Count == 1, "the POST's shadow arrived");
        var shadow = candidate.Requests.Single();
        Assert.Equal("POST", shadow.Method);
        Assert.Equal("?src=test", shadow.Query);
        Assert.Equal(body, Encoding.UTF8.GetString(shadow.Body));
        Assert.StartsWith("application/json", shadow.Header("Content-Type"));
        Assert.True(shadow.IsShadow);
    }

    [Fact]
    public async Task Chunked_post_within_the_cap_is_mirrored_whole()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Migrations:orders:Shadow:Methods:0"] = "POST";
        await using var proxy = await TestProxy.StartAsync(config);

        var payload = RandomBytes(50_000, seed: 3);
        using var content = new StreamContent(new MemoryStream(payload));
        content.Headers.ContentLength = null;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/upload") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await proxy.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Eventually.True(() => candidate.Requests.Count == 1, "the chunked POST's shadow arrived");
        Assert.Equal(payload, candidate.Requests.Single().Body);
        Assert.Equal(payload, legacy.Requests.Single().Body);
    }

    [Fact]
    public async Task Oversized_body_is_forwarded_intact_and_not_mirrored()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Migrations:orders:Shadow:Methods:0"] = "POST";
        config["ShadowProxy:Migrations:orders:Shadow:MaxBodyBytes"] = "1024";
        await using var proxy = await TestProxy.StartAsync(config);

        var sized = RandomBytes(200_000, seed: 1);
        using (var response = await proxy.Client.PostAsync("/api/upload", new ByteArrayContent(sized)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var chunked = RandomBytes(300_000, seed: 2);
        using (var content = new StreamContent(new MemoryStream(chunked)))
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/upload") { Content = content })
        {
            request.Headers.TransferEncodingChunked = true;
            using var response = await proxy.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var received = legacy.Requests.ToArray();
        Assert.Equal(sized, received[0].Body);
        Assert.Equal(chunked, received[1].Body);
        Assert.Equal("chunked", received[1].Header("Transfer-Encoding"));
        await Eventually.True(() => SkippedBody(proxy) == 2, "both uploads were counted as skipped_body");
        Assert.Empty(candidate.Requests);
    }

    [Fact]
    public async Task Unmigrated_paths_go_through_the_ordinary_ReverseProxy_section()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        await using var other = await TestBackend.StartAsync("other");
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ReverseProxy:Routes:static:ClusterId"] = "static";
        config["ReverseProxy:Routes:static:Match:Path"] = "/static/{**rest}";
        config["ReverseProxy:Clusters:static:Destinations:d1:Address"] = other.Address.ToString();
        await using var proxy = await TestProxy.StartAsync(config);

        using var response = await proxy.Client.GetAsync("/static/logo.png");
        Assert.Equal("other", response.Headers.GetValues("X-Backend").Single());
        using var unmatched = await proxy.Client.GetAsync("/nowhere");
        Assert.Equal(HttpStatusCode.NotFound, unmatched.StatusCode);
        await Task.Delay(100);
        Assert.Empty(candidate.Requests);
    }

    [Fact]
    public async Task Admin_api_is_not_reachable_through_the_proxy_listener()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        await using var proxy = await TestProxy.StartAsync(TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address));

        // /api/{**rest} is a migration route, so /api/v1/migrations on the proxy port is the backend's.
        using var viaProxy = await proxy.Client.GetAsync("/api/v1/migrations");
        Assert.Equal("legacy", viaProxy.Headers.GetValues("X-Backend").Single());
        using var viaAdmin = await proxy.Admin.GetAsync("/api/v1/migrations");
        Assert.Equal(HttpStatusCode.OK, viaAdmin.StatusCode);
        Assert.Contains("\"orders\"", await viaAdmin.Content.ReadAsStringAsync());
        using var health = await proxy.Admin.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    internal static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static double SkippedBody(TestProxy proxy) => ShadowCount(proxy, "skipped_body");

    private static double SkippedMethod(TestProxy proxy) => ShadowCount(proxy, "skipped_method");

    internal static double ShadowCount(TestProxy proxy, string outcome) =>
        proxy.Services.GetRequiredService<ProxyMetrics>().ShadowRequests.WithLabels("orders", outcome).Value;
}
