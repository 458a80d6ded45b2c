using System.Net.Http.Json;
using System.Text.Json;
using ShadowProxy.Tests.Fleet;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Metrics;

/// <summary>docs/metrics.md#migration-state gauges: status, stage, gates, store degraded, configuration valid; as a scrape shows them.</summary>
public sealed class OperationalMetricsTests
{
    [Fact]
    public async Task Status_stage_and_gates_follow_the_migration()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate", context =>
        {
            context.Response.StatusCode = 500;
            return Task.CompletedTask;
        });
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Migrations:orders:Ramp:Stages:1:Name"] = "canary";
        config["ShadowProxy:Migrations:orders:Ramp:Stages:1:Weight"] = "10";
        config["ShadowProxy:Migrations:orders:Ramp:Gates:MinSamples"] = "5";
        await using var proxy = await TestProxy.StartAsync(config);

        var metrics = await PrometheusText.ScrapeAsync(proxy.Admin);
        Assert.Equal(1, metrics.Value("shadowproxy_migration_status", "migration=orders", "status=Shadowing"));
        Assert.Equal(0, metrics.Value("shadowproxy_migration_status", "migration=orders", "status=RolledBack"));
        Assert.Equal(0, metrics.Value("shadowproxy_stage_index", "migration=orders"));
        Assert.Equal(0, metrics.Value("shadowproxy_store_degraded"));
        Assert.Equal(1, metrics.Value("shadowproxy_config_valid"));
        foreach (var gate in new[] { "diff_rate", "error_rate_increase", "p99_latency_ratio" })
        {
            Assert.Equal(-1, metrics.Value("shadowproxy_gate_passing", "migration=orders", "gate=" + gate));
            Assert.True(double.IsNaN(metrics.Value("shadowproxy_gate_value", "migration=orders", "gate=" + gate)!.Value), gate);
        }

        // Every shadow copy fails on the candidate: the error-rate gate fails with an increase of 1.
        for (var i = 0; i < 10; i++)
        {
            (await proxy.Client.GetAsync($"/api/orders/{i}")).Dispose();
        }

        await Eventually.True(
            () => PrometheusText.ScrapeAsync(proxy.Admin).GetAwaiter().GetResult().Value("shadowproxy_gate_passing", "migration=orders", "gate=error_rate_increase") == 0,
            "the error-rate gate fails", TimeSpan.FromSeconds(30));
        metrics = await PrometheusText.ScrapeAsync(proxy.Admin);
        Assert.Equal(1, metrics.Value("shadowproxy_gate_value", "migration=orders", "gate=error_rate_increase"));

        using (var promoted = await proxy.Admin.PostAsync("/api/v1/migrations/orders/promote", null))
        {
            var status = (await promoted.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString();
            metrics = await PrometheusText.ScrapeAsync(proxy.Admin);
            Assert.Equal(1, metrics.Value("shadowproxy_stage_index", "migration=orders"));
            Assert.Equal(1, metrics.Value("shadowproxy_migration_status", "migration=orders", "status=" + status));
            Assert.Equal(1, metrics.Samples.Where(s => s.Name == "shadowproxy_migration_status").Sum(s => s.Value));
        }

        (await proxy.Admin.PostAsync("/api/v1/migrations/orders/rollback", null)).EnsureSuccessStatusCode();
        metrics = await PrometheusText.ScrapeAsync(proxy.Admin);
        Assert.Equal(1, metrics.Value("shadowproxy_migration_status", "migration=orders", "status=RolledBack"));
        Assert.Equal(1, metrics.Samples.Where(s => s.Name == "shadowproxy_migration_status").Sum(s => s.Value));
    }

    [Fact]
    public async Task Store_degraded_is_1_while_Redis_is_down_and_0_once_it_is_back()
    {
        await using var redis = new RedisServer();
        await using var legacy = await Fleet.Fleet.SameAnswerBackendAsync("legacy");
        await using var candidate = await Fleet.Fleet.SameAnswerBackendAsync("candidate");
        await using var proxy = await TestProxy.StartAsync(Fleet.Fleet.Config(redis, $"t{Guid.NewGuid():N}:", legacy.Address, candidate.Address));

        double Degraded() => PrometheusText.ScrapeAsync(proxy.Admin).GetAwaiter().GetResult().Value("shadowproxy_store_degraded")!.Value;
        Assert.Equal(0, Degraded());
        redis.Kill();
        await Eventually.True(() => Degraded() == 1, "the gauge says the store is degraded", TimeSpan.FromSeconds(30));
        redis.Start();
        await Eventually.True(() => Degraded() == 0, "the gauge clears once Redis is back", TimeSpan.FromSeconds(30));
    }
}
