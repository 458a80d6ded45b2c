using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ShadowProxy.Tests.Infrastructure;
using YarpGateway;

namespace ShadowProxy.Tests.Examples;

/// <summary>
/// examples/YarpGateway (README.md, "Adding ShadowProxy to an existing YARP gateway"), run as written: its own
/// appsettings.json and Program, on real Kestrel, with only its clusters' destination addresses, the store and the
/// automatic rollback and noise probe replaced; the test mints JWTs with the example's demo key.
/// </summary>
public sealed class YarpGatewayTests : IAsyncLifetime
{
    private TestBackend? _legacy;
    private TestBackend? _candidate;
    private TestBackend? _customers;
    private WebApplication? _app;
    private HttpClient? _client;

    public async Task InitializeAsync()
    {
        _legacy = await TestBackend.StartAsync("legacy");
        _candidate = await TestBackend.StartAsync("candidate");
        _customers = await TestBackend.StartAsync("customers");
        // Only where the example's backends listen, where its store is, and the ramp's and the probe's automation, which
        // tests that count requests must not see; its routes, clusters and migration stay as written.
        const string Migration = "ShadowProxy:Migrations:orders:";
        var overrides = new Dictionary<string, string?>
        {
            ["ReverseProxy:Clusters:orders-legacy:Destinations:one:Address"] = _legacy.Address.ToString(),
            ["ReverseProxy:Clusters:orders-candidate:Destinations:one:Address"] = _candidate.Address.ToString(),
            ["ReverseProxy:Clusters:customers:Destinations:one:Address"] = _customers.Address.ToString(),
            ["ShadowProxy:Store:Sqlite:Path"] = Path.Combine(Path.GetTempPath(), "shadowproxy-tests", Guid.NewGuid().ToString("N"), "shadowproxy.db"),
            [Migration + "Ramp:AutomaticRollback"] = "false",
            [Migration + "Diff:NoiseProbe:Enabled"] = "false",
        };
        overrides["Logging:LogLevel:Default"] = "Warning";

        _app = Gateway.Build(["--urls", "http://127.0.0.1:0"], configuration => configuration
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "Examples", "YarpGateway.appsettings.json"), optional: false, reloadOnChange: false)
            .AddInMemoryCollection(overrides));
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _client = new HttpClient { BaseAddress = new Uri(address) };
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await _customers!.DisposeAsync();
        await _candidate!.DisposeAsync();
        await _legacy!.DisposeAsync();
    }

    [Fact]
    public async Task The_migrated_route_shadows_and_the_comparison_is_in_the_admin_report()
    {
        var answer = await _client!.GetStringAsync("/api/orders/7");

        Assert.Contains("\"backend\":\"legacy\"", answer, StringComparison.Ordinal);
        await Eventually.True(() => _candidate!.Requests.Any(r => r.IsShadow), "the candidate got the shadow copy");
        await Eventually.True(async () => await ComparisonsAsync() == 1, "the admin report counts the comparison");
    }

    [Fact]
    public async Task The_routes_transform_applies_to_the_primary_and_to_the_shadow_copy()
    {
        using var answer = await _client!.GetAsync("/api/orders/7?expand=lines");

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        await Eventually.True(() => !_candidate!.Requests.IsEmpty, "the candidate got the shadow copy");
        var primary = Assert.Single(_legacy!.Requests);
        var shadow = Assert.Single(_candidate!.Requests);
        Assert.False(primary.IsShadow);
        Assert.True(shadow.IsShadow);
        // PathRemovePrefix "/api" of the example's orders route, on both sides.
        Assert.Equal(("/orders/7", "?expand=lines"), (primary.Path, primary.Query));
        Assert.Equal(("/orders/7", "?expand=lines"), (shadow.Path, shadow.Query));
    }

    [Fact]
    public async Task The_gateways_own_route_keeps_its_policy()
    {
        using (var anonymous = await SendAsync(HttpMethod.Get, "/customers/1", token: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using var signedIn = await SendAsync(HttpMethod.Get, "/customers/1", Token("carla", "customer"));

        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        Assert.Contains("\"backend\":\"customers\"", await signedIn.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(_customers!.Requests, r => r.IsShadow);
    }

    [Fact]
    public async Task The_admin_api_takes_the_gateways_tokens_and_their_roles()
    {
        const string Rollback = "/shadowproxy/api/v1/migrations/orders/rollback";
        using (var anonymous = await SendAsync(HttpMethod.Get, "/shadowproxy/api/v1/migrations", token: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var viewer = await SendAsync(HttpMethod.Post, Rollback, Token("vera", "viewer"), """{"reason": "test"}"""))
        {
            Assert.Equal(HttpStatusCode.Forbidden, viewer.StatusCode);
        }

        using (var customer = await SendAsync(HttpMethod.Get, "/shadowproxy/api/v1/migrations", Token("carla", "customer")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, customer.StatusCode);
        }

        using var operatorRollback = await SendAsync(HttpMethod.Post, Rollback, Token("olga", "operator"), """{"reason": "test"}""");

        Assert.Equal(HttpStatusCode.OK, operatorRollback.StatusCode);
        using var audit = await SendAsync(HttpMethod.Get, "/shadowproxy/api/v1/audit", Token("vera", "viewer"));
        var entries = JsonDocument.Parse(await audit.Content.ReadAsStringAsync()).RootElement.EnumerateArray();
        Assert.Contains(entries, e => e.GetProperty("actor").GetString() == "olga");
    }

    private async Task<int> ComparisonsAsync()
    {
        using var report = await SendAsync(HttpMethod.Get, "/shadowproxy/api/v1/migrations/orders/report", Token("vera", "viewer"));
        Assert.Equal(HttpStatusCode.OK, report.StatusCode);
        using var json = JsonDocument.Parse(await report.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("totals").GetProperty("comparisons").GetInt32();
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return await _client!.SendAsync(request);
    }

    /// <summary>A token as the gateway's identity provider would issue it, signed with the example's demo key.</summary>
    private string Token(string name, string role)
    {
        var jwt = _app!.Configuration.GetSection("Jwt");
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = jwt["Issuer"],
            Audience = jwt["Audience"],
            Claims = new Dictionary<string, object> { ["sub"] = name, ["role"] = role },
            Expires = DateTime.UtcNow.AddMinutes(10),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(jwt["SigningKey"]!)), SecurityAlgorithms.HmacSha256),
        });
    }
}
