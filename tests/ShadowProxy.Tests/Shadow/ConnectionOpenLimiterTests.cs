using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ShadowProxy.Metrics;
using ShadowProxy.Shadow;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Shadow;

public sealed class ConnectionOpenLimiterTests
{
    private const int MaxInFlight = 2;
    private const int Requests = 40;

    [Fact]
    public void Is_exhausted_past_the_limit_until_the_second_is_over()
    {
        var time = new FakeTimeProvider();
        var limiter = new ConnectionOpenLimiter(time);

        // Opening a full pool's worth is what a keep-alive backend needs: not exhausted.
        limiter.OnOpening();
        limiter.OnOpening();
        Assert.False(limiter.IsExhausted(limit: 2));
        limiter.OnOpening();
        Assert.True(limiter.IsExhausted(limit: 2));
        Assert.False(limiter.IsExhausted(limit: 3));

        time.Advance(ConnectionOpenLimiter.Window);
        Assert.False(limiter.IsExhausted(limit: 2));

        // The first attempt of the new second starts its count afresh.
        limiter.OnOpening();
        Assert.Equal(1, limiter.Opened);
        Assert.False(limiter.IsExhausted(limit: 2));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Shadows_stop_opening_connections_to_a_backend_that_closes_each_one(bool candidateClosesConnections)
    {
        var connections = new ConcurrentDictionary<string, byte>();
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate", async context =>
        {
            connections.TryAdd(context.Connection.Id, 0);
            if (candidateClosesConnections)
            {
                context.Response.Headers.Connection = "close";
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"backend":"candidate"}""");
        });
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Migrations:orders:Shadow:MaxInFlight"] = MaxInFlight.ToString();
        await using var proxy = await TestProxy.StartAsync(config);
        var metrics = proxy.Services.GetRequiredService<ProxyMetrics>();
        double Outcome(string outcome) => metrics.ShadowRequests.WithLabels("orders", outcome).Value;

        var elapsed = Stopwatch.StartNew();
        for (var i = 0; i < Requests; i++)
        {
            // One at a time, each shadow given the chance to end before the next request.
            using var response = await proxy.Client.GetAsync($"/api/orders/{i}");
            Assert.Equal("legacy", response.Headers.GetValues("X-Backend").Single());
            await Eventually.True(() => Outcome("completed") + Outcome("dropped") + Outcome("error") == i + 1, "the shadow ended");
        }

        if (candidateClosesConnections)
        {
            Assert.True(Outcome("dropped") > 0, "shadows past the limit are dropped and counted");
            var seconds = (int)Math.Ceiling(elapsed.Elapsed.TotalSeconds);
            Assert.InRange(connections.Count, 1, (MaxInFlight + 1) * (seconds + 1));
        }
        else
        {
            // Connections kept alive are reused: the limit never applies.
            Assert.Equal(Requests, Outcome("completed"));
            Assert.InRange(connections.Count, 1, MaxInFlight);
        }
    }
}
