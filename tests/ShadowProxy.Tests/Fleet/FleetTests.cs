using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ShadowProxy.Fleet;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Fleet;

/// <summary>docs/architecture.md#fleet-mode with three in-process instances on one real redis-server.</summary>
public sealed class FleetTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private const string Stages = "ShadowProxy:Migrations:orders:Ramp:Stages:";

    [Fact]
    public async Task A_rollback_through_one_instance_is_in_force_on_the_others_within_500_ms()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        await using var fleet = await Fleet.StartAsync(3, Fleet.Config(redis.Server, Prefix(), legacy.Address, candidate.Address, new Dictionary<string, string?>
        {
            ["ShadowProxy:Migrations:orders:Shadow:Enabled"] = "false",
        }));

        using (var weight = await fleet[0].Admin.PostAsJsonAsync("/api/v1/migrations/orders/weight", new { weight = 100 }))
        {
            Assert.Equal(HttpStatusCode.OK, weight.StatusCode);
        }

        await Fleet.EventuallyAsync(async () => await Fleet.BackendOf(fleet[1]) == "candidate" && await Fleet.BackendOf(fleet[2]) == "candidate",
            "B and C serve the candidate at weight 100", TimeSpan.FromSeconds(3));

        var clock = Stopwatch.StartNew();
        using (var rollback = await fleet[0].Admin.PostAsJsonAsync("/api/v1/migrations/orders/rollback", new { reason = "prices wrong" }))
        {
            Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        }

        Assert.Equal("legacy", await Fleet.BackendOf(fleet[0]));
        bool bDone = false, cDone = false;
        while (!(bDone && cDone) && clock.Elapsed < TimeSpan.FromSeconds(3))
        {
            bDone = bDone || await Fleet.BackendOf(fleet[1]) == "legacy";
            cDone = cDone || await Fleet.BackendOf(fleet[2]) == "legacy";
        }

        var elapsed = clock.Elapsed;
        Assert.True(bDone && cDone, "B and C never served legacy");
        Assert.True(elapsed < TimeSpan.FromMilliseconds(500), $"the rollback took {elapsed.TotalMilliseconds:0} ms to reach every instance");
        foreach (var instance in fleet.Instances)
        {
            var view = await Fleet.MigrationAsync(instance);
            Assert.Equal("RolledBack", view.GetProperty("status").GetString());
            Assert.Equal("prices wrong", view.GetProperty("statusReason").GetString());
        }

        // One audit log for the fleet, readable through any instance.
        var audit = await fleet[2].Admin.GetFromJsonAsync<JsonElement>("/api/v1/audit?migration=orders");
        Assert.Equal(new[] { "rollback", "weight" }, audit.EnumerateArray().Select(e => e.GetProperty("action").GetString()!).ToArray());
    }

    [Fact]
    public async Task Errors_spread_over_three_instances_trip_the_automatic_rollback_though_none_alone_has_enough_samples()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate", context =>
        {
            context.Response.StatusCode = 500;
            return Task.CompletedTask;
        });
        await using var fleet = await Fleet.StartAsync(3, Fleet.Config(redis.Server, Prefix(), legacy.Address, candidate.Address, new Dictionary<string, string?>
        {
            [Stages + "0:Name"] = "all",
            [Stages + "0:Weight"] = "100",
            ["ShadowProxy:Migrations:orders:Ramp:AutomaticRollback"] = "true",
            ["ShadowProxy:Migrations:orders:Ramp:Gates:Window"] = "00:00:20",
            ["ShadowProxy:Migrations:orders:Ramp:Gates:MinSamples"] = "40",
            ["ShadowProxy:Migrations:orders:Ramp:Gates:MaxDiffRate"] = "1",
            ["ShadowProxy:Migrations:orders:Ramp:Gates:MaxP99LatencyRatio"] = "1000",
        }));

        // 15 requests per instance: at most 30 calls per backend on each (primary, failover, shadow), below 40.
        foreach (var instance in fleet.Instances)
        {
            for (var i = 0; i < 15; i++)
            {
                await Fleet.BackendOf(instance, "user-" + i);
            }
        }

        await Fleet.EventuallyAsync(async () =>
        {
            foreach (var instance in fleet.Instances)
            {
                if ((await Fleet.MigrationAsync(instance)).GetProperty("status").GetString() != "RolledBack")
                {
                    return false;
                }
            }

            return true;
        }, "every instance shows the automatic rollback", TimeSpan.FromSeconds(10));

        var audit = await fleet[1].Admin.GetFromJsonAsync<JsonElement>("/api/v1/audit?migration=orders");
        var entry = audit.EnumerateArray().Single(e => e.GetProperty("action").GetString() == "rollback");
        Assert.Equal("Automatic", entry.GetProperty("trigger").GetString());
        Assert.Contains("error", entry.GetProperty("reason").GetString(), StringComparison.OrdinalIgnoreCase);

        // No instance had enough samples of its own: the decision was taken on the fleet's window.
        foreach (var instance in fleet.Instances)
        {
            var registry = instance.Services.GetRequiredService<ShadowProxy.Migrations.MigrationRegistry>();
            registry.TryGet("orders", out var migration);
            Assert.True(migration.Gates.Snapshot(DateTimeOffset.UtcNow).Candidate.Requests < 40);
        }
    }

    [Fact]
    public async Task When_the_decider_stops_another_instance_takes_the_lease_and_advances_the_next_stage()
    {
        await using var legacy = await Fleet.SameAnswerBackendAsync("legacy");
        await using var candidate = await Fleet.SameAnswerBackendAsync("candidate");
        var config = new Dictionary<string, string?>
        {
            ["ShadowProxy:Migrations:orders:Ramp:AutoAdvance"] = "true",
            ["ShadowProxy:Migrations:orders:Ramp:Gates:Window"] = "00:00:01",
            ["ShadowProxy:Migrations:orders:Ramp:Gates:MinSamples"] = "2",
            ["ShadowProxy:Migrations:orders:Ramp:Gates:MaxP99LatencyRatio"] = "1000",
            ["ShadowProxy:Migrations:orders:Ramp:Gates:MaxErrorRateIncrease"] = "1",
            ["ShadowProxy:Migrations:orders:Diff:IgnoreHeaders:0"] = "X-Backend",
        };
        for (var i = 0; i <= 8; i++)
        {
            config[Stages + i + ":Name"] = "s" + i;
            config[Stages + i + ":Weight"] = (i * 10).ToString(System.Globalization.CultureInfo.InvariantCulture);
            config[Stages + i + ":MinDuration"] = "00:00:00";
        }

        await using var fleet = await Fleet.StartAsync(3, Fleet.Config(redis.Server, Prefix(), legacy.Address, candidate.Address, config));
        using var traffic = new CancellationTokenSource();
        var load = Task.Run(async () =>
        {
            for (var n = 0; !traffic.IsCancellationRequested; n++)
            {
                foreach (var instance in fleet.Instances.ToArray())
                {
                    try
                    {
                        await Fleet.BackendOf(instance, "user-" + n);
                    }
                    catch (Exception) when (traffic.IsCancellationRequested || !fleet.Instances.Contains(instance))
                    {
                    }
                }

                await Task.Delay(10);
            }
        });

        TestProxy? decider = null;
        await Fleet.EventuallyAsync(() =>
        {
            decider = fleet.Instances.SingleOrDefault(i => i.Services.GetRequiredService<FleetCoordinator>().IsDecider);
            return Task.FromResult(decider is not null);
        }, "one instance holds the lease", TimeSpan.FromSeconds(5));
        await Fleet.EventuallyAsync(async () => await Fleet.WeightAsync(decider!) >= 10, "the decider advances past the shadow stage", TimeSpan.FromSeconds(15));

        await fleet.StopAsync(decider!);
        var atStop = await Fleet.WeightAsync(fleet[0]);
        Assert.True(atStop < 80, "the ramp ran to its end before the decider could be stopped");
        await Fleet.EventuallyAsync(async () => await Fleet.WeightAsync(fleet[0]) > atStop && await Fleet.WeightAsync(fleet[1]) > atStop,
            "a remaining instance advances the next stage", TimeSpan.FromSeconds(15));
        Assert.Single(fleet.Instances, i => i.Services.GetRequiredService<FleetCoordinator>().IsDecider);
        await traffic.CancelAsync();
        await load;
    }

    private static string Prefix() => "test-" + Guid.NewGuid().ToString("N")[..8] + ":";
}

/// <summary>One redis-server for a test class; tests isolate themselves by key prefix.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    public RedisServer Server { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Server = new RedisServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
