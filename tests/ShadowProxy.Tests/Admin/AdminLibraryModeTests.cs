using System.Net;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShadowProxy.Admin;
using ShadowProxy.Tests.Infrastructure;
using Yarp.ReverseProxy.Configuration;

namespace ShadowProxy.Tests.Admin;

/// <summary>
/// SPEC §12: <c>app.MapShadowProxyAdmin("/shadowproxy")</c> in a YARP app of its own, with the host's own authentication
/// scheme bound to the ShadowProxy policies, and the admin API's rules (docs/security.md) below the prefix.
/// </summary>
public sealed class AdminLibraryModeTests : IAsyncLifetime
{
    private const string Scheme = "TestHeader";

    private TestBackend? _legacy;
    private TestBackend? _candidate;
    private TestBackend? _other;
    private WebApplication? _app;
    private HttpClient? _client;
    private Uri? _address;

    public async Task InitializeAsync()
    {
        _legacy = await TestBackend.StartAsync("legacy");
        _candidate = await TestBackend.StartAsync("candidate");
        _other = await TestBackend.StartAsync("other");
        var config = TestProxy.MigrationConfig("orders", _legacy.Address, _candidate.Address, "/api/orders/{**rest}");
        config.Remove("ShadowProxy:Listen:0");
        config.Remove("ShadowProxy:Admin:Listen");

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Configuration.AddInMemoryCollection(config);

        // The host's own scheme, and the ShadowProxy policies defined on it (before AddShadowMigrations: order does not matter).
        builder.Services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, HeaderAuthenticationHandler>(Scheme, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ShadowProxyPolicies.Viewer, p => p.AddAuthenticationSchemes(Scheme).RequireRole("reader", "oncall", "owner"))
            .AddPolicy(ShadowProxyPolicies.Sre, p => p.AddAuthenticationSchemes(Scheme).RequireRole("oncall", "owner"))
            .AddPolicy(ShadowProxyPolicies.Operator, p => p.AddAuthenticationSchemes(Scheme).RequireRole("owner"));

        // A catch-all route of the host's: paths below the prefix are still the admin surface's.
        builder.Services.AddReverseProxy()
            .LoadFromMemory(
                [new RouteConfig { RouteId = "everything", ClusterId = "other", Match = new RouteMatch { Path = "/{**rest}" } }],
                [new ClusterConfig { ClusterId = "other", Destinations = new Dictionary<string, DestinationConfig> { ["one"] = new() { Address = _other.Address.ToString() } } }])
            .AddShadowMigrations(builder.Configuration.GetSection("ShadowProxy"));
        _app = builder.Build();
        _app.MapReverseProxy(proxy => proxy.UseShadowMigrations());
        _app.MapShadowProxyAdmin("/shadowproxy");
        await _app.StartAsync();
        _address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        _client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _address };
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await _other!.DisposeAsync();
        await _candidate!.DisposeAsync();
        await _legacy!.DisposeAsync();
    }

    [Fact]
    public async Task A_viewer_reads_but_cannot_roll_back_and_an_operator_can_under_its_own_name()
    {
        using (var list = await SendAsync(HttpMethod.Get, "/shadowproxy/api/v1/migrations", "vera:reader"))
        {
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            Assert.Contains("\"orders\"", await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.True(list.Headers.CacheControl?.NoStore);
        }

        using (var denied = await SendAsync(HttpMethod.Post, "/shadowproxy/api/v1/migrations/orders/rollback", "vera:reader", """{"reason": "test"}"""))
        {
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        }

        using (var anonymous = await SendAsync(HttpMethod.Get, "/shadowproxy/api/v1/migrations", user: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        Assert.Equal("Shadowing", await StatusAsync());
        using (var rollback = await SendAsync(HttpMethod.Post, "/shadowproxy/api/v1/migrations/orders/rollback", "olga:owner", """{"reason": "test"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        }

        Assert.Equal("RolledBack", await StatusAsync());
        using var audit = await SendAsync(HttpMethod.Get, "/shadowproxy/api/v1/audit", "vera:reader");
        var entries = JsonDocument.Parse(await audit.Content.ReadAsStringAsync()).RootElement.EnumerateArray().ToList();
        Assert.Contains(entries, e => e.GetProperty("actor").GetString() == "olga");

        using var whoami = await SendAsync(HttpMethod.Get, "/shadowproxy/api/v1/whoami", "otto:oncall");
        var me = JsonDocument.Parse(await whoami.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("otto", me.GetProperty("name").GetString());
        Assert.Equal("Sre", me.GetProperty("role").GetString());
        Assert.False(me.GetProperty("open").GetBoolean());
    }

    [Fact]
    public async Task The_admin_rules_hold_below_the_prefix()
    {
        var port = _address!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var owner = "X-Test-User: olga:owner\r\n";

        // Dot-segments: the server would normalise this into POST /shadowproxy/api/v1/rollback.
        var dots = await RawHttp.SendAsync(_address, $"POST /shadowproxy/api/v1/migrations/%2e%2e/rollback HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{owner}Content-Length: 0");
        Assert.Equal(404, dots.Status);
        Assert.StartsWith("application/problem+json", dots.Header("Content-Type"));

        var crossSite = await PostRawAsync("/shadowproxy/api/v1/migrations/orders/rollback", owner + "Origin: http://evil.example\r\n", "application/json");
        Assert.Equal(403, crossSite.Status);
        Assert.Contains("another site", crossSite.Body, StringComparison.Ordinal);

        var form = await PostRawAsync("/shadowproxy/api/v1/migrations/orders/rollback", owner, "text/plain");
        Assert.Equal(415, form.Status);
        Assert.StartsWith("application/problem+json", form.Header("Content-Type"));
        Assert.Equal("Shadowing", await StatusAsync());

        // Every path below the prefix is the admin surface's: 404/405 problem+json, never the host's catch-all route.
        using (var unknown = await _client!.GetAsync("/shadowproxy/no-such-page"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        }

        using (var post = await _client.PostAsync("/shadowproxy/healthz", new StringContent("")))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
            Assert.Equal("application/problem+json", post.Content.Headers.ContentType?.MediaType);
        }

        Assert.Empty(_other!.Requests);
        Assert.Contains("\"backend\":\"other\"", await _client.GetStringAsync("/elsewhere"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probes_metrics_openapi_and_the_dashboard_live_below_the_prefix()
    {
        Assert.Equal("ok\n", await _client!.GetStringAsync("/shadowproxy/healthz"));
        Assert.Contains("shadowproxy_", await _client.GetStringAsync("/shadowproxy/metrics"), StringComparison.Ordinal);

        var document = JsonDocument.Parse(await _client.GetStringAsync("/shadowproxy/api/v1/openapi.json")).RootElement;
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/shadowproxy/api/v1/migrations/{name}/rollback", paths);
        Assert.All(paths, p => Assert.StartsWith("/shadowproxy/api/v1/", p, StringComparison.Ordinal));

        // The page's asset and API URLs are relative, so it is served as "prefix/" (the bare prefix redirects there).
        using (var bare = await _client.GetAsync("/shadowproxy"))
        {
            Assert.Equal(HttpStatusCode.Redirect, bare.StatusCode);
            Assert.Equal(new Uri(_address!, "/shadowproxy/"), new Uri(new Uri(_address!, "/shadowproxy"), bare.Headers.Location!));
        }

        var page = await _client.GetStringAsync("/shadowproxy/");
        Assert.Contains("src=\"assets/app.js\"", page, StringComparison.Ordinal);
        using var script = await _client.GetAsync("/shadowproxy/assets/api.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Contains("import.meta.url", await script.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<string?> StatusAsync()
    {
        using var response = await SendAsync(HttpMethod.Get, "/shadowproxy/api/v1/migrations/orders", "vera:reader");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString();
    }

    private Task<RawAnswer> PostRawAsync(string path, string headers, string contentType)
    {
        var body = Encoding.UTF8.GetBytes("""{"reason": "test"}""");
        var port = _address!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return RawHttp.SendAsync(_address, $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{headers}Content-Type: {contentType}\r\nContent-Length: {body.Length}", body);
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? user, string? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (user is not null)
        {
            request.Headers.Add("X-Test-User", user);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return _client!.SendAsync(request);
    }

    /// <summary>The host's scheme in this test: <c>X-Test-User: name:role</c>.</summary>
    private sealed class HeaderAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (Request.Headers["X-Test-User"].ToString().Split(':') is not [{ Length: > 0 } name, { Length: > 0 } role])
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role)], Scheme.Name);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
        }
    }
}
