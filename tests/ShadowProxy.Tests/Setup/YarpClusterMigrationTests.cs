using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShadowProxy.Core.Endpoints;
using ShadowProxy.Metrics;
using ShadowProxy.Tests.Infrastructure;
using ShadowProxy.Tests.Shadow;

namespace ShadowProxy.Tests.Setup;

/// <summary>
/// Issue #23's "done when" (SPEC §12): a YARP application of its own, configured the YARP way (a route with
/// transforms, round-robin clusters with active health checks, an authorization policy on another route), embeds
/// ShadowProxy with only the library's public calls, and a migration names that route and those clusters. The
/// route's transforms apply to the primary and to the shadow copy alike, health checks keep dead destinations out
/// of both, round robin spreads both, and the host's own policy still holds.
/// </summary>
public sealed class YarpClusterMigrationTests
{
    private const string SignedInPolicy = "signed-in";
    private const int Requests = 20;

    [Fact]
    public async Task A_migration_on_a_routes_transforms_and_health_checked_clusters_shadows_compares_and_skips_dead_destinations()
    {
        await using var legacy = await TestBackend.StartAsync("legacy", YarpClusters.Echo);
        await using var sickLegacy = await TestBackend.StartAsync("sick-legacy", YarpClusters.Sick);
        await using var candidate = await TestBackend.StartAsync("candidate", YarpClusters.Echo);
        var deadCandidate = ShadowIsolationTests.ClosedPortAddress();
        await using var customers = await TestBackend.StartAsync("customers");
        var config = Config([legacy.Address, sickLegacy.Address], [candidate.Address, deadCandidate], healthChecks: true);
        YarpClusters.AddCluster(config, "customers", [customers.Address]);
        YarpClusters.AddRoute(config, "customers", "customers", "/customers/{**rest}");
        config["ReverseProxy:Routes:customers:AuthorizationPolicy"] = SignedInPolicy;
        await using var app = await StartAsync(config);
        await YarpClusters.WaitForAvailableAsync(app.Services, "orders-legacy", legacy.Address);
        await YarpClusters.WaitForAvailableAsync(app.Services, "orders-candidate", candidate.Address);
        using var client = new HttpClient { BaseAddress = Address(app) };

        for (var i = 0; i < Requests; i++)
        {
            var answer = await client.GetStringAsync($"/gateway/orders/{i}");
            Assert.Equal($$"""{"path":"/orders/{{i}}","gateway":"yes"}""", answer);
        }

        // The primary: the route's transforms applied, only the healthy destination.
        var primaries = legacy.Traffic();
        Assert.Equal(Enumerable.Range(0, Requests).Select(i => $"/orders/{i}"), primaries.Select(r => r.Path));
        Assert.All(primaries, r => Assert.False(r.IsShadow));
        Assert.All(primaries, r => Assert.Equal("yes", r.Header("X-Gateway")));
        Assert.Empty(sickLegacy.Traffic());

        // The shadow: the same upstream request, to the candidate cluster's healthy destination, every one compared.
        await Eventually.True(() => candidate.Traffic().Count == Requests, "the candidate's healthy destination got every shadow copy");
        var shadows = candidate.Traffic();
        Assert.All(shadows, r => Assert.True(r.IsShadow));
        Assert.All(shadows, r => Assert.Equal("yes", r.Header("X-Gateway")));
        Assert.Equal(primaries.Select(r => r.Path).Order(), shadows.Select(r => r.Path).Order());
        var report = app.Services.GetRequiredService<EndpointReport>();
        await Eventually.True(() => report.Rows("orders").Sum(r => r.Comparisons) == Requests, "every pair was compared");
        Assert.Equal(0, report.Rows("orders").Sum(r => r.Diffs));
        var metrics = app.Services.GetRequiredService<ProxyMetrics>();
        Assert.Equal(Requests, metrics.ShadowRequests.WithLabels("orders", "completed").Value);
        Assert.Equal(0, metrics.ShadowRequests.WithLabels("orders", "error").Value);

        // The host's own route keeps its policy.
        using (var anonymous = await client.GetAsync("/customers/1"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using var signedIn = new HttpRequestMessage(HttpMethod.Get, "/customers/1") { Headers = { { HeaderAuthentication.Header, "carla" } } };
        using var allowed = await client.SendAsync(signedIn);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.DoesNotContain(customers.Requests, r => r.IsShadow);
    }

    [Fact]
    public async Task Round_robin_spreads_primaries_over_the_legacy_cluster_and_shadows_over_the_candidate_cluster()
    {
        await using var legacyA = await TestBackend.StartAsync("legacy-a", YarpClusters.Echo);
        await using var legacyB = await TestBackend.StartAsync("legacy-b", YarpClusters.Echo);
        await using var candidateA = await TestBackend.StartAsync("candidate-a", YarpClusters.Echo);
        await using var candidateB = await TestBackend.StartAsync("candidate-b", YarpClusters.Echo);
        await using var app = await StartAsync(Config([legacyA.Address, legacyB.Address], [candidateA.Address, candidateB.Address], healthChecks: false));
        using var client = new HttpClient { BaseAddress = Address(app) };

        for (var i = 0; i < Requests; i++)
        {
            (await client.GetAsync($"/gateway/orders/{i}")).Dispose();
        }

        await Eventually.True(() => candidateA.Requests.Count + candidateB.Requests.Count == Requests, "every shadow copy arrived");
        // Round robin, one pick per request and cluster: each destination gets every other request.
        Assert.Equal(Requests / 2, legacyA.Requests.Count(r => !r.IsShadow));
        Assert.Equal(Requests / 2, legacyB.Requests.Count(r => !r.IsShadow));
        Assert.Equal(Requests / 2, candidateA.Requests.Count(r => r.IsShadow));
        Assert.Equal(Requests / 2, candidateB.Requests.Count(r => r.IsShadow));
    }

    /// <summary>
    /// The gateway's configuration: route <c>orders</c> (<c>/gateway/orders/...</c>, prefix removed, <c>X-Gateway</c> set) on
    /// clusters <c>orders-legacy</c> and <c>orders-candidate</c>, and migration <c>orders</c> naming them.
    /// </summary>
    private static Dictionary<string, string?> Config(Uri[] legacy, Uri[] candidate, bool healthChecks)
    {
        var config = TestProxy.ClusterMigrationConfig("orders", "orders", "orders-legacy", "orders-candidate");
        config.Remove("ShadowProxy:Listen:0");
        config.Remove("ShadowProxy:Admin:Listen");
        // Counted exactly: no shadow may be held back by the adaptive limit (it has tests of its own).
        config["ShadowProxy:Migrations:orders:Shadow:Adaptive"] = "false";
        config["ShadowProxy:Migrations:orders:Diff:IgnoreHeaders:0"] = "X-Backend";
        YarpClusters.AddCluster(config, "orders-legacy", legacy, healthChecks: healthChecks);
        YarpClusters.AddCluster(config, "orders-candidate", candidate, healthChecks: healthChecks);
        YarpClusters.AddRoute(config, "orders", "orders-legacy", "/gateway/orders/{**rest}");
        config["ReverseProxy:Routes:orders:Transforms:0:PathRemovePrefix"] = "/gateway";
        config["ReverseProxy:Routes:orders:Transforms:1:RequestHeader"] = "X-Gateway";
        config["ReverseProxy:Routes:orders:Transforms:1:Set"] = "yes";
        return config;
    }

    /// <summary>The gateway: Kestrel on 127.0.0.1, its own authentication scheme and policy, YARP from configuration, the library's calls.</summary>
    private static async Task<WebApplication> StartAsync(Dictionary<string, string?> config)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Configuration.AddInMemoryCollection(config);
        builder.Services.AddAuthentication(HeaderAuthentication.Name)
            .AddScheme<AuthenticationSchemeOptions, HeaderAuthentication>(HeaderAuthentication.Name, configureOptions: null);
        builder.Services.AddAuthorizationBuilder().AddPolicy(SignedInPolicy, policy => policy.RequireAuthenticatedUser());
        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddShadowMigrations(builder.Configuration.GetSection("ShadowProxy"));
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapReverseProxy(proxy => proxy.UseShadowMigrations());
        await app.StartAsync();
        return app;
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

    /// <summary>The gateway's own scheme: a user named by a header (a stand-in for JWT or cookies).</summary>
    private sealed class HeaderAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string Name = "TestHeader";
        public const string Header = "X-Test-User";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (Request.Headers[Header] is not [{ Length: > 0 } user])
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, user)], Name));
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Name)));
        }
    }
}
