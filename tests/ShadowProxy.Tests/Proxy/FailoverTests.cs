using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ShadowProxy.Metrics;
using ShadowProxy.Tests.Infrastructure;
using ShadowProxy.Tests.Shadow;

namespace ShadowProxy.Tests.Proxy;

/// <summary>docs/configuration.md#failover failover: an idempotent request the candidate fails is answered by legacy.</summary>
public sealed class FailoverTests
{
    [Fact]
    public async Task A_candidate_500_on_a_GET_is_answered_by_legacy_and_counted()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate", context =>
        {
            context.Response.StatusCode = 500;
            return context.Response.WriteAsync("candidate exploded");
        });
        await using var proxy = await TestProxy.StartAsync(CandidatePrimary(legacy.Address, candidate.Address));

        using var response = await proxy.Client.GetAsync("/api/orders/7");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("legacy", response.Headers.GetValues("X-Backend").Single());
        Assert.Equal("""{"backend":"legacy","path":"/api/orders/7"}""", await response.Content.ReadAsStringAsync());
        Assert.Single(candidate.Requests);
        var metrics = proxy.Services.GetRequiredService<ProxyMetrics>();
        Assert.Equal(1, metrics.Failovers.WithLabels("orders").Value);
        Assert.Equal(1, metrics.Requests.WithLabels("orders", "candidate", "5xx").Value);
        Assert.Equal(1, metrics.Requests.WithLabels("orders", "legacy", "2xx").Value);
    }

    [Fact]
    public async Task An_unreachable_candidate_is_answered_by_legacy()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var proxy = await TestProxy.StartAsync(CandidatePrimary(legacy.Address, ShadowIsolationTests.ClosedPortAddress()));

        using var response = await proxy.Client.GetAsync("/api/orders/7");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("legacy", response.Headers.GetValues("X-Backend").Single());
        var metrics = proxy.Services.GetRequiredService<ProxyMetrics>();
        Assert.Equal(1, metrics.Requests.WithLabels("orders", "candidate", "error").Value);
    }

    [Fact]
    public async Task A_PUT_body_is_sent_again_to_legacy_intact()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate", context =>
        {
            context.Response.StatusCode = 503;
            return Task.CompletedTask;
        });
        await using var proxy = await TestProxy.StartAsync(CandidatePrimary(legacy.Address, candidate.Address));

        var body = DataPathTests.RandomBytes(20_000, seed: 5);
        using var response = await proxy.Client.PutAsync("/api/orders/7", new ByteArrayContent(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, candidate.Requests.Single().Body);
        Assert.Equal(body, legacy.Requests.Single().Body);
    }

    [Fact]
    public async Task A_POST_is_not_retried_and_the_client_sees_the_candidate_answer()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate", context =>
        {
            context.Response.StatusCode = 500;
            return context.Response.WriteAsync("no");
        });
        await using var proxy = await TestProxy.StartAsync(CandidatePrimary(legacy.Address, candidate.Address));

        using var response = await proxy.Client.PostAsync("/api/orders", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("no", await response.Content.ReadAsStringAsync());
        Assert.Empty(legacy.Requests);
    }

    [Fact]
    public async Task An_open_breaker_keeps_candidate_chosen_traffic_on_legacy()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate", context =>
        {
            context.Response.StatusCode = 500;
            return Task.CompletedTask;
        });
        var config = CandidatePrimary(legacy.Address, candidate.Address);
        config["ShadowProxy:Migrations:orders:Failover:BreakerMinimumThroughput"] = "5";
        config["ShadowProxy:Migrations:orders:Failover:BreakerBreakDuration"] = "00:05:00";
        await using var proxy = await TestProxy.StartAsync(config);

        for (var i = 0; i < 30; i++)
        {
            using var response = await proxy.Client.GetAsync($"/api/orders/{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("legacy", response.Headers.GetValues("X-Backend").Single());
        }

        // The breaker opened after a handful of failures: the candidate saw only those.
        Assert.InRange(candidate.Requests.Count, 5, 10);
        var metrics = proxy.Services.GetRequiredService<ProxyMetrics>();
        Assert.Equal(30, metrics.Failovers.WithLabels("orders").Value);
    }

    private static Dictionary<string, string?> CandidatePrimary(Uri legacy, Uri candidate)
    {
        var config = TestProxy.MigrationConfig("orders", legacy, candidate);
        config["ShadowProxy:Migrations:orders:Ramp:Stages:0:Weight"] = "100";
        config["ShadowProxy:Migrations:orders:Shadow:Enabled"] = "false";
        return config;
    }
}
