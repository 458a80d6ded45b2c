using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Metrics;
using ShadowProxy.Migrations;
using ShadowProxy.Proxy;
using ShadowProxy.Tests.Infrastructure;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace ShadowProxy.Tests.Proxy;

/// <summary>
/// The failover step on its own: <see cref="FailoverForwarder"/> called directly (no middleware, no client
/// connection), with a candidate attempt given as a delegate and the real legacy cluster, forwarder and breaker
/// of a running proxy.
/// </summary>
public sealed class FailoverForwarderTests
{
    [Fact]
    public async Task A_failed_attempt_is_answered_by_legacy_and_the_attempt_ran_armed()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var proxy = await StartAsync(legacy.Address);
        var (forwarder, migration, context) = Arrange(proxy);
        var armedDuringAttempt = false;

        var (servedBy, _) = await forwarder.ForwardAsync(context, attempt =>
        {
            armedDuringAttempt = attempt.Features.Get<FailoverArmed>() is not null;
            attempt.Response.StatusCode = 503;
            return Task.CompletedTask;
        }, migration, migration.Failover!, body: null, "GET /api/orders/{id}");

        Assert.Equal(Backend.Legacy, servedBy);
        Assert.True(armedDuringAttempt);
        Assert.Null(context.Features.Get<FailoverArmed>());
        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("""{"backend":"legacy","path":"/api/orders/7"}""", Body(context));
        Assert.Single(legacy.Requests);
        var metrics = proxy.Services.GetRequiredService<ProxyMetrics>();
        Assert.Equal(1, metrics.Failovers.WithLabels("orders").Value);
        Assert.Equal(1, metrics.Requests.WithLabels("orders", "candidate", "5xx").Value);
        Assert.Equal(1, metrics.Requests.WithLabels("orders", "legacy", "2xx").Value);
    }

    [Fact]
    public async Task A_successful_attempt_is_the_answer_and_legacy_is_not_called()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var proxy = await StartAsync(legacy.Address);
        var (forwarder, migration, context) = Arrange(proxy);

        var (servedBy, _) = await forwarder.ForwardAsync(context, attempt =>
        {
            attempt.Response.StatusCode = 201;
            return Task.CompletedTask;
        }, migration, migration.Failover!, body: null, "GET /api/orders/{id}");

        Assert.Equal(Backend.Candidate, servedBy);
        Assert.Equal(201, context.Response.StatusCode);
        Assert.Empty(legacy.Requests);
        var metrics = proxy.Services.GetRequiredService<ProxyMetrics>();
        Assert.Equal(1, metrics.Requests.WithLabels("orders", "candidate", "2xx").Value);
        Assert.Equal(0, metrics.Failovers.WithLabels("orders").Value);
    }

    [Fact]
    public async Task Once_the_breaker_opens_the_candidate_is_not_called_and_legacy_still_answers()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var proxy = await StartAsync(legacy.Address);
        var registry = proxy.Services.GetRequiredService<MigrationRegistry>();
        Assert.True(registry.TryGet("orders", out var migration));
        var attempts = 0;

        for (var i = 0; i < 4; i++)
        {
            var (forwarder, _, context) = Arrange(proxy);
            var (servedBy, _) = await forwarder.ForwardAsync(context, attempt =>
            {
                attempts++;
                attempt.Response.StatusCode = 500;
                return Task.CompletedTask;
            }, migration, migration.Failover!, body: null, "GET /api/orders/{id}");

            Assert.Equal(Backend.Legacy, servedBy);
            Assert.Equal(200, context.Response.StatusCode);
        }

        // MinimumThroughput 2 at a failure ratio of 0.5: two failed attempts open the breaker.
        Assert.Equal(2, attempts);
        Assert.True(migration.Failover!.IsOpen);
        Assert.Equal(4, legacy.Requests.Count);
        var metrics = proxy.Services.GetRequiredService<ProxyMetrics>();
        Assert.Equal(2, metrics.Requests.WithLabels("orders", "candidate", "5xx").Value);
        Assert.Equal(4, metrics.Failovers.WithLabels("orders").Value);
        Assert.Equal(4, metrics.Requests.WithLabels("orders", "legacy", "2xx").Value);
    }

    private static Task<TestProxy> StartAsync(Uri legacy)
    {
        // The candidate is the attempt delegate of each test: its address is never called.
        var config = TestProxy.MigrationConfig("orders", legacy, new Uri("http://127.0.0.1:9"), "/api/orders/{**rest}");
        config["ShadowProxy:Migrations:orders:Ramp:Stages:0:Weight"] = "100";
        config["ShadowProxy:Migrations:orders:Shadow:Enabled"] = "false";
        config["ShadowProxy:Migrations:orders:Failover:BreakerFailureRatio"] = "0.5";
        config["ShadowProxy:Migrations:orders:Failover:BreakerMinimumThroughput"] = "2";
        config["ShadowProxy:Migrations:orders:Failover:BreakerBreakDuration"] = "00:05:00";
        return TestProxy.StartAsync(config);
    }

    /// <summary>A request as YARP's pipeline hands it on: matched to the migration's route, reassigned to the candidate.</summary>
    private static (FailoverForwarder Forwarder, MigrationRuntime Migration, HttpContext Context) Arrange(TestProxy proxy)
    {
        var services = proxy.Services;
        Assert.True(services.GetRequiredService<MigrationRegistry>().TryGet("orders", out var migration));
        var state = services.GetRequiredService<IProxyStateLookup>();
        Assert.True(state.TryGetRoute("shadowproxy.orders.0", out var route));
        Assert.True(state.TryGetCluster(migration.Current.CandidateClusterId!, out var candidate));

        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = "GET";
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("shop.example");
        context.Request.Path = "/api/orders/7";
        context.Response.Body = new MemoryStream();
        context.Features.Set<IReverseProxyFeature>(new ReverseProxyFeature
        {
            Route = route,
            Cluster = candidate.Model,
            AllDestinations = candidate.DestinationsState.AllDestinations,
            AvailableDestinations = candidate.DestinationsState.AvailableDestinations,
        });
        return (services.GetRequiredService<FailoverForwarder>(), migration, context);
    }

    private static string Body(HttpContext context) => Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());
}
