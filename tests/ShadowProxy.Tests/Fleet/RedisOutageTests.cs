using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Fleet;

/// <summary>docs/architecture.md#fleet-mode "if Redis is unreachable": its own redis-server, killed and restarted mid-run.</summary>
public sealed class RedisOutageTests
{
    [Fact]
    public async Task Without_Redis_traffic_flows_rollback_applies_locally_other_writes_get_503_and_the_fleet_converges_when_it_returns()
    {
        await using var redis = new RedisServer();
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        await using var fleet = await Fleet.StartAsync(3, Fleet.Config(redis, "outage:", legacy.Address, candidate.Address, new Dictionary<string, string?>
        {
            ["ShadowProxy:Migrations:orders:Shadow:Enabled"] = "false",
        }));
        using (var weight = await fleet[0].Admin.PostAsJsonAsync("/api/v1/migrations/orders/weight", new { weight = 100 }))
        {
            Assert.Equal(HttpStatusCode.OK, weight.StatusCode);
        }

        await Fleet.EventuallyAsync(async () => await Fleet.BackendOf(fleet[1]) == "candidate" && await Fleet.BackendOf(fleet[2]) == "candidate",
            "the weight reaches every instance", TimeSpan.FromSeconds(3));

        redis.Kill();
        await Fleet.EventuallyAsync(async () =>
        {
            foreach (var instance in fleet.Instances)
            {
                if (!(await instance.Admin.GetStringAsync("/readyz")).StartsWith("degraded", StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }, "every instance reports degraded", TimeSpan.FromSeconds(5));

        // Ready still (a load balancer must not pull the whole fleet), and it says why.
        using (var ready = await fleet[1].Admin.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Contains("Redis", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The data path keeps the last known weights.
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("candidate", await Fleet.BackendOf(fleet[1], "user-" + i));
        }

        // Writes other than a rollback: 503 with a problem+json that says why.
        foreach (var (path, body) in new (string, object)[]
        {
            ("/api/v1/migrations/orders/promote", new { }),
            ("/api/v1/migrations/orders/pause", new { }),
            ("/api/v1/migrations/orders/weight", new { weight = 50 }),
            ("/api/v1/migrations/orders/noise", new { path = "$.id" }),
        })
        {
            using var refused = await fleet[1].Admin.PostAsJsonAsync(path, body);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains("unreachable", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(100, await Fleet.WeightAsync(fleet[1]));

        // A rollback still applies at once, here.
        using (var rollback = await fleet[0].Admin.PostAsJsonAsync("/api/v1/migrations/orders/rollback", new { reason = "cut off" }))
        {
            Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        }

        Assert.Equal("legacy", await Fleet.BackendOf(fleet[0]));
        Assert.Equal("candidate", await Fleet.BackendOf(fleet[1]));

        // Redis is back (empty: it kept nothing): the pending rollback wins over the others' older weight.
        redis.Start();
        await Fleet.EventuallyAsync(async () =>
        {
            foreach (var instance in fleet.Instances)
            {
                if (await Fleet.BackendOf(instance) != "legacy" || await instance.Admin.GetStringAsync("/readyz") != "ready\n")
                {
                    return false;
                }
            }

            return true;
        }, "every instance serves legacy and is ready again", TimeSpan.FromSeconds(10));

        foreach (var instance in fleet.Instances)
        {
            Assert.Equal("RolledBack", (await Fleet.MigrationAsync(instance)).GetProperty("status").GetString());
        }

        var audit = await fleet[2].Admin.GetFromJsonAsync<JsonElement>("/api/v1/audit?migration=orders");
        var entry = Assert.Single(audit.EnumerateArray());
        Assert.Equal("rollback", entry.GetProperty("action").GetString());
        Assert.StartsWith("cut off", entry.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // Writes work again.
        using var resume = await fleet[2].Admin.PostAsJsonAsync("/api/v1/migrations/orders/resume", new { });
        Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
    }

    [Fact]
    public async Task An_instance_started_while_Redis_is_down_serves_its_first_stage_and_joins_the_fleet_when_Redis_comes()
    {
        await using var redis = new RedisServer();
        redis.Kill();
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = Fleet.Config(redis, "late:", legacy.Address, candidate.Address, new Dictionary<string, string?>
        {
            ["ShadowProxy:Migrations:orders:Shadow:Enabled"] = "false",
        });
        await using var early = await TestProxy.StartAsync(config);
        Assert.StartsWith("degraded", await early.Admin.GetStringAsync("/readyz"), StringComparison.Ordinal);
        Assert.Equal("legacy", await Fleet.BackendOf(early));
        using (var refused = await early.Admin.PostAsJsonAsync("/api/v1/migrations/orders/weight", new { weight = 100 }))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        }

        redis.Start();
        await Fleet.EventuallyAsync(async () => await early.Admin.GetStringAsync("/readyz") == "ready\n", "the early instance connects", TimeSpan.FromSeconds(10));
        await using var late = await TestProxy.StartAsync(config);
        using (var weight = await late.Admin.PostAsJsonAsync("/api/v1/migrations/orders/weight", new { weight = 100 }))
        {
            Assert.Equal(HttpStatusCode.OK, weight.StatusCode);
        }

        // Published, and heard by the instance that subscribed only once Redis came up.
        await Fleet.EventuallyAsync(async () => await Fleet.BackendOf(early) == "candidate", "the early instance applies the new weight", TimeSpan.FromMilliseconds(500));
    }
}
