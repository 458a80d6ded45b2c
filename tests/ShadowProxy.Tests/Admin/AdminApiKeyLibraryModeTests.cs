using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Admin;

/// <summary>
/// <c>MapShadowProxyAdmin</c> in a host with no scheme of its own: the API keys of <c>ShadowProxy:Admin:ApiKeys</c> are
/// the admin API's scheme below the prefix, with the standalone proxy's answers, and authenticate nothing else.
/// </summary>
public sealed class AdminApiKeyLibraryModeTests
{
    private const string ViewerKey = "viewer-key-0123456789";
    private const string OperatorKey = "operator-key-0123456789";

    [Fact]
    public async Task Keys_work_below_the_prefix_and_are_not_the_hosts_default_scheme()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address, "/api/orders/{**rest}");
        config.Remove("ShadowProxy:Listen:0");
        config.Remove("ShadowProxy:Admin:Listen");
        config["ShadowProxy:Admin:ApiKeys:0:Name"] = "viewer";
        config["ShadowProxy:Admin:ApiKeys:0:Role"] = "Viewer";
        config["ShadowProxy:Admin:ApiKeys:0:Key"] = ViewerKey;
        config["ShadowProxy:Admin:ApiKeys:1:Name"] = "operator";
        config["ShadowProxy:Admin:ApiKeys:1:Role"] = "Operator";
        config["ShadowProxy:Admin:ApiKeys:1:Key"] = OperatorKey;

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Configuration.AddInMemoryCollection(config);
        builder.Services.AddReverseProxy().AddShadowMigrations(builder.Configuration.GetSection("ShadowProxy"));
        await using var app = builder.Build();
        app.MapGet("/host/me", (HttpContext context) => context.User.Identity?.IsAuthenticated == true ? "authenticated" : "anonymous");
        app.MapReverseProxy(proxy => proxy.UseShadowMigrations());
        app.MapShadowProxyAdmin("/ops/shadow/");
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        using var client = new HttpClient { BaseAddress = address };

        using (var read = await SendAsync(client, HttpMethod.Get, "/ops/shadow/api/v1/migrations", ViewerKey))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        using (var missing = await SendAsync(client, HttpMethod.Get, "/ops/shadow/api/v1/migrations", key: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
            Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
            Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);
            Assert.True(missing.Headers.CacheControl?.NoStore);
        }

        using (var weak = await SendAsync(client, HttpMethod.Post, "/ops/shadow/api/v1/migrations/orders/rollback", ViewerKey))
        {
            Assert.Equal(HttpStatusCode.Forbidden, weak.StatusCode);
            Assert.Equal("application/problem+json", weak.Content.Headers.ContentType?.MediaType);
            Assert.Contains("needs Sre", await weak.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var rollback = await SendAsync(client, HttpMethod.Post, "/ops/shadow/api/v1/migrations/orders/rollback", OperatorKey))
        {
            Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        }

        using (var badQuery = await SendAsync(client, HttpMethod.Get, "/ops/shadow/api/v1/audit?limit=abc", ViewerKey))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badQuery.StatusCode);
            Assert.Contains("limit", await badQuery.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The key scheme authenticates only where a ShadowProxy policy names it, never the host's own requests.
        using (var own = await SendAsync(client, HttpMethod.Get, "/host/me", OperatorKey))
        {
            Assert.Equal("anonymous", await own.Content.ReadAsStringAsync());
        }

        await app.StopAsync();
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string? key)
    {
        var request = new HttpRequestMessage(method, path);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent("""{"reason": "test"}""", Encoding.UTF8, "application/json");
        }

        return client.SendAsync(request);
    }
}
