using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ShadowProxy.Metrics;
using ShadowProxy.Migrations;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Shadow;

/// <summary>
/// docs/configuration.md#shadow end to end: real backends, real load. The candidate stalls and the shadows it holds open
/// slow the legacy backend (here: a resource both share, such as a database, one unit per open
/// candidate request); the adaptive limit falls, refused shadows count as dropped, and comparisons go
/// on at the floor. No timing is asserted: each step waits for its condition.
/// </summary>
public sealed class AdaptiveShadowLimitTests
{
    private const int MaxInFlight = 64;
    private const int MinInFlight = 2;

    [Fact]
    public async Task A_stalling_candidate_that_slows_live_traffic_is_held_to_the_floor_and_still_compared()
    {
        var candidateOpen = 0;
        var stalled = false;
        await using var legacy = await TestBackend.StartAsync("legacy", async context =>
        {
            // The shared resource: every request the candidate holds makes legacy slower.
            await Task.Delay(TimeSpan.FromMilliseconds(1 + (3 * Volatile.Read(ref candidateOpen))), context.RequestAborted);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"total":12.5}""");
        });
        await using var candidate = await TestBackend.StartAsync("candidate", async context =>
        {
            Interlocked.Increment(ref candidateOpen);
            try
            {
                if (Volatile.Read(ref stalled))
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), context.RequestAborted);
                }

                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("""{"total":12.5}""");
            }
            finally
            {
                Interlocked.Decrement(ref candidateOpen);
            }
        });
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Migrations:orders:Shadow:MaxInFlight"] = MaxInFlight.ToString();
        config["ShadowProxy:Migrations:orders:Shadow:MinInFlight"] = MinInFlight.ToString();
        config["ShadowProxy:Migrations:orders:Shadow:Timeout"] = "00:00:30";
        await using var proxy = await TestProxy.StartAsync(config);
        var migration = proxy.Services.GetRequiredService<MigrationRegistry>().All.Single();
        var metrics = proxy.Services.GetRequiredService<ProxyMetrics>();
        double Compared() => metrics.Comparisons.WithLabels("orders", "match").Value + metrics.Comparisons.WithLabels("orders", "diff").Value;
        double Dropped() => metrics.ShadowRequests.WithLabels("orders", "dropped").Value;
        double Gauge() => metrics.ShadowLimit.WithLabels("orders").Value;

        using var load = new CancellationTokenSource();
        var lowest = int.MaxValue;
        var clients = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            while (!load.IsCancellationRequested)
            {
                using var response = await proxy.Client.GetAsync("/api/orders/1", CancellationToken.None);
                Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
                var limit = migration.ShadowBudget.Limit;
                int seen;
                while (limit < (seen = Volatile.Read(ref lowest)) && Interlocked.CompareExchange(ref lowest, limit, seen) != seen)
                {
                }
            }
        })).ToArray();

        try
        {
            // A fast candidate: 16 clients never hold half of 64 shadows, so the limit stays the ceiling.
            await Eventually.True(() => Compared() >= 200, "pairs were compared with a fast candidate", TimeSpan.FromSeconds(60));
            Assert.Equal(MaxInFlight, migration.ShadowBudget.Limit);
            Assert.Equal(MaxInFlight, Gauge());
            Assert.Equal(0, Dropped());

            Volatile.Write(ref stalled, true);
            await Eventually.True(() => migration.ShadowBudget.Limit <= MinInFlight * 4, "the limit fell while the stalled candidate slowed legacy", TimeSpan.FromSeconds(90));
            Assert.True(Dropped() > 0, "shadows refused by the limit are counted as dropped");
            Assert.True(Gauge() <= MaxInFlight, "the gauge reports the limit");

            var comparedAtFloor = Compared();
            await Eventually.True(() => Compared() >= comparedAtFloor + 10, "comparisons continued at the floor", TimeSpan.FromSeconds(60));
            Assert.True(Volatile.Read(ref lowest) >= MinInFlight, $"the limit went to {lowest}, below MinInFlight");
        }
        finally
        {
            load.Cancel();
            await Task.WhenAll(clients);
        }
    }

    [Fact]
    public async Task Without_Adaptive_the_limit_is_MaxInFlight()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Migrations:orders:Shadow:MaxInFlight"] = "7";
        config["ShadowProxy:Migrations:orders:Shadow:Adaptive"] = "false";
        await using var proxy = await TestProxy.StartAsync(config);

        var scrape = await proxy.Admin.GetStringAsync("/metrics");
        Assert.Contains("shadowproxy_shadow_limit{migration=\"orders\"} 7", scrape, StringComparison.Ordinal);
        var view = await proxy.Admin.GetStringAsync("/api/v1/migrations/orders");
        Assert.Contains("\"shadowLimit\":7", view, StringComparison.Ordinal);
    }
}
