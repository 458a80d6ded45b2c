using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ShadowProxy.Health;
using ShadowProxy.Metrics;
using ShadowProxy.Tests.Infrastructure;
using ShadowProxy.Tests.Shadow;

namespace ShadowProxy.Tests.Proxy;

/// <summary>
/// The executable's host with migrations on its <c>ReverseProxy</c> section's own route and clusters (SPEC §12,
/// docs/configuration.md#legacy-and-candidate): the route's transforms on the primary and the shadow, a candidate cluster
/// with nothing available, failover to the legacy cluster, references YARP does not know (at start and on reload), and a
/// route's authorization policy.
/// </summary>
public sealed class ClusterBackendTests
{
    private const string Migration = "ShadowProxy:Migrations:orders:";

    [Fact]
    public async Task A_migration_on_the_ReverseProxy_sections_route_and_clusters_shadows_with_the_routes_transforms()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        await using var proxy = await TestProxy.StartAsync(Config(legacy.Address, candidate.Address));

        using var response = await proxy.Client.GetAsync("/api/orders/7");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"backend":"legacy","path":"/orders/7"}""", await response.Content.ReadAsStringAsync());
        await Eventually.True(() => candidate.Requests.Any(r => r.IsShadow), "the candidate got the shadow copy");
        Assert.Equal("/orders/7", candidate.Requests.Single().Path);
        Assert.Equal("shadowproxy", candidate.Requests.Single().Header("X-Via"));
        Assert.Equal("shadowproxy", legacy.Requests.Single().Header("X-Via"));
        var metrics = proxy.Services.GetRequiredService<ProxyMetrics>();
        await Eventually.True(() => metrics.ShadowRequests.WithLabels("orders", "completed").Value == 1, "the shadow completed");
    }

    [Fact]
    public async Task At_full_weight_the_candidate_cluster_serves_with_the_routes_transforms_and_the_legacy_cluster_gets_the_shadow()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = Config(legacy.Address, candidate.Address);
        config[Migration + "Ramp:Stages:0:Weight"] = "100";
        await using var proxy = await TestProxy.StartAsync(config);

        using var response = await proxy.Client.GetAsync("/api/orders/7");

        Assert.Equal("""{"backend":"candidate","path":"/orders/7"}""", await response.Content.ReadAsStringAsync());
        Assert.Equal("shadowproxy", candidate.Requests.Single().Header("X-Via"));
        await Eventually.True(() => legacy.Requests.Any(r => r.IsShadow), "legacy got the reverse shadow");
        Assert.Equal("/orders/7", legacy.Requests.Single().Path);
        Assert.Equal("shadowproxy", legacy.Requests.Single().Header("X-Via"));
    }

    [Fact]
    public async Task A_candidate_cluster_with_no_available_destination_is_not_shadowed_and_counted_as_skipped_unavailable()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        var config = Config(legacy.Address, ShadowIsolationTests.ClosedPortAddress(), candidateHealthChecks: true);
        await using var proxy = await TestProxy.StartAsync(config);
        await YarpClusters.WaitForAvailableAsync(proxy.Services, "orders-candidate");

        for (var i = 0; i < 3; i++)
        {
            using var response = await proxy.Client.GetAsync($"/api/orders/{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("legacy", response.Headers.GetValues("X-Backend").Single());
        }

        var scrape = await PrometheusText.ScrapeAsync(proxy.Admin);
        Assert.Equal(3, scrape.ValueOrZero("shadowproxy_shadow_requests_total", "migration=orders", "outcome=skipped_unavailable"));
        Assert.Equal(0, scrape.ValueOrZero("shadowproxy_shadow_requests_total", "migration=orders", "outcome=error"));
        Assert.Equal(0, scrape.ValueOrZero("shadowproxy_shadow_requests_total", "migration=orders", "outcome=completed"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_candidate_primary_whose_cluster_is_down_fails_over_to_a_legacy_cluster_destination(bool healthChecked)
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        var config = Config(legacy.Address, ShadowIsolationTests.ClosedPortAddress(), candidateHealthChecks: healthChecked);
        config[Migration + "Ramp:Stages:0:Weight"] = "100";
        config[Migration + "Shadow:Enabled"] = "false";
        await using var proxy = await TestProxy.StartAsync(config);
        if (healthChecked)
        {
            await YarpClusters.WaitForAvailableAsync(proxy.Services, "orders-candidate");
        }

        using var response = await proxy.Client.GetAsync("/api/orders/7");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"backend":"legacy","path":"/orders/7"}""", await response.Content.ReadAsStringAsync());
        Assert.Equal("shadowproxy", legacy.Requests.Single().Header("X-Via"));
        var metrics = proxy.Services.GetRequiredService<ProxyMetrics>();
        Assert.Equal(1, metrics.Failovers.WithLabels("orders").Value);
        Assert.Equal(1, metrics.Requests.WithLabels("orders", "candidate", "error").Value);
    }

    /// <summary>Only YARP's loaded configuration knows its routes and clusters: the process checks after loading it, and exits 2 naming the key.</summary>
    [Theory]
    [InlineData("Legacy", "ClusterId", "ShadowProxy:Migrations:orders:Legacy:ClusterId")]
    [InlineData("Candidate", "ClusterId", "ShadowProxy:Migrations:orders:Candidate:ClusterId")]
    [InlineData("Routes[0]", "RouteId", "ShadowProxy:Migrations:orders:Routes[0]:RouteId")]
    public async Task An_unknown_cluster_or_route_exits_2_naming_the_key(string backend, string key, string expected)
    {
        var config = JsonNode.Parse(ConfigJson())!;
        var orders = config["ShadowProxy"]!["Migrations"]!["orders"]!;
        var node = backend == "Routes[0]" ? orders["Routes"]![0]! : orders[backend]!;
        node[key] = "nowhere";

        var (exitCode, output) = await ProxyProcess.RunToExitAsync(config.ToJsonString(), TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 2, $"exit code {exitCode}, output:{Environment.NewLine}{output}");
        Assert.Contains($"shadowproxy: invalid configuration: {expected}", output, StringComparison.Ordinal);
        Assert.DoesNotContain("start-up failed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reload_adding_a_migration_on_an_existing_route_claims_it_without_a_restart()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        await using var billing = await TestBackend.StartAsync("billing");
        await using var billingNext = await TestBackend.StartAsync("billing-next");
        var config = Config(legacy.Address, candidate.Address);
        YarpClusters.AddCluster(config, "billing", [billing.Address]);
        YarpClusters.AddCluster(config, "billing-next", [billingNext.Address]);
        YarpClusters.AddRoute(config, "billing", "billing", "/billing/{**rest}");
        await using var proxy = await TestProxy.StartAsync(config);
        (await proxy.Client.GetAsync("/billing/1")).Dispose();
        Assert.Empty(billingNext.Requests);

        var configuration = (IConfigurationRoot)proxy.Services.GetRequiredService<IConfiguration>();
        configuration["ShadowProxy:Migrations:billing:Routes:0:RouteId"] = "billing";
        configuration["ShadowProxy:Migrations:billing:Legacy:ClusterId"] = "billing";
        configuration["ShadowProxy:Migrations:billing:Candidate:ClusterId"] = "billing-next";
        configuration["ShadowProxy:Migrations:billing:Diff:NoiseProbe:Enabled"] = "false";
        configuration.Reload();

        // Bounded: one request per poll, for at most the Eventually's 15 s.
        await Eventually.True(async () =>
        {
            using var response = await proxy.Client.GetAsync("/billing/2");
            Assert.Equal("billing", response.Headers.GetValues("X-Backend").Single());
            return billingNext.Requests.Any(r => r.IsShadow && r.Path == "/billing/2");
        }, "the route became the new migration's and is shadowed", TimeSpan.FromSeconds(15));
        Assert.DoesNotContain(billing.Requests, r => r.IsShadow);
    }

    [Fact]
    public async Task A_reload_naming_an_unknown_cluster_is_refused_whole_and_the_migration_keeps_working()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        await using var proxy = await TestProxy.StartAsync(Config(legacy.Address, candidate.Address));
        var configuration = (IConfigurationRoot)proxy.Services.GetRequiredService<IConfiguration>();
        var readiness = proxy.Services.GetRequiredService<ReadinessState>();

        configuration[Migration + "Candidate:ClusterId"] = "nowhere";
        configuration[Migration + "Shadow:SamplePercent"] = "50";
        configuration.Reload();
        await Eventually.True(() => readiness.ConfigurationProblem is not null, "the reload was refused", TimeSpan.FromSeconds(15));

        var readyz = await proxy.Admin.GetStringAsync("/readyz");
        Assert.Contains(Migration + "Candidate:ClusterId", readyz, StringComparison.Ordinal);
        Assert.DoesNotContain("nowhere", readyz, StringComparison.Ordinal);
        // Refused whole: the other change did not apply either, every request is still shadowed to the candidate cluster.
        for (var i = 0; i < 4; i++)
        {
            using var response = await proxy.Client.GetAsync($"/api/orders/{i}");
            Assert.Equal("""{"backend":"legacy","path":"/orders/""" + i + "\"}", await response.Content.ReadAsStringAsync());
        }

        await Eventually.True(() => candidate.Requests.Count(r => r.IsShadow) == 4, "the candidate cluster got every shadow copy");
    }

    [Fact]
    public async Task A_ReverseProxy_routes_authorization_policy_holds_in_the_executable()
    {
        await using var other = await TestBackend.StartAsync("other");
        var config = TestProxy.MigrationConfig("orders", other.Address, new Uri("http://127.0.0.1:9"));
        YarpClusters.AddCluster(config, "other", [other.Address]);
        YarpClusters.AddRoute(config, "private", "other", "/private/{**rest}");
        config["ReverseProxy:Routes:private:AuthorizationPolicy"] = "Default";
        YarpClusters.AddRoute(config, "public", "other", "/public/{**rest}");
        config["ReverseProxy:Routes:public:AuthorizationPolicy"] = "Anonymous";
        await using var proxy = await TestProxy.StartAsync(config);

        using var denied = await proxy.Client.GetAsync("/private/x");
        using var allowed = await proxy.Client.GetAsync("/public/x");

        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(["/public/x"], other.Requests.Select(r => r.Path));
    }

    /// <summary>
    /// Route <c>orders</c> (<c>/api/orders/...</c>, prefix <c>/api</c> removed, <c>X-Via</c> set) on cluster <c>orders-legacy</c>,
    /// cluster <c>orders-candidate</c>, and migration <c>orders</c> naming them.
    /// </summary>
    private static Dictionary<string, string?> Config(Uri legacy, Uri candidate, bool candidateHealthChecks = false)
    {
        var config = TestProxy.ClusterMigrationConfig("orders", "orders", "orders-legacy", "orders-candidate");
        YarpClusters.AddCluster(config, "orders-legacy", [legacy]);
        YarpClusters.AddCluster(config, "orders-candidate", [candidate], healthChecks: candidateHealthChecks);
        YarpClusters.AddRoute(config, "orders", "orders-legacy", "/api/orders/{**rest}");
        config["ReverseProxy:Routes:orders:Transforms:0:PathRemovePrefix"] = "/api";
        config["ReverseProxy:Routes:orders:Transforms:1:RequestHeader"] = "X-Via";
        config["ReverseProxy:Routes:orders:Transforms:1:Set"] = "shadowproxy";
        return config;
    }

    /// <summary>The same as <see cref="Config"/>, as a <c>--config</c> file (backends that need not answer: the process stops at its start).</summary>
    private static string ConfigJson() => """
        {
          "ShadowProxy": {
            "Listen": ["http://127.0.0.1:0"],
            "Admin": { "Listen": "http://127.0.0.1:0" },
            "Migrations": {
              "orders": {
                "Routes": [ { "RouteId": "orders" } ],
                "Legacy": { "ClusterId": "orders-legacy" },
                "Candidate": { "ClusterId": "orders-candidate" }
              }
            }
          },
          "ReverseProxy": {
            "Routes": { "orders": { "ClusterId": "orders-legacy", "Match": { "Path": "/api/orders/{**rest}" } } },
            "Clusters": {
              "orders-legacy": { "Destinations": { "d0": { "Address": "http://127.0.0.1:9001" } } },
              "orders-candidate": { "Destinations": { "d0": { "Address": "http://127.0.0.1:9002" } } }
            }
          }
        }
        """;
}
