using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ShadowProxy.Metrics;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Migrations;

/// <summary>docs/admin-api.md, docs/configuration.md#ramp end to end: commands through the admin API, automatic rollback, restarts.</summary>
public sealed class RampIntegrationTests
{
    [Fact]
    public async Task A_manual_rollback_is_in_force_for_the_very_next_request()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Migrations:orders:Ramp:Stages:0:Weight"] = "100";
        config["ShadowProxy:Migrations:orders:Shadow:Enabled"] = "false";
        await using var proxy = await TestProxy.StartAsync(config);

        Assert.Equal("candidate", await BackendOf(proxy, "/api/orders/1"));
        using var rollback = await proxy.Admin.PostAsJsonAsync("/api/v1/migrations/orders/rollback", new { reason = "candidate returns stale prices" });
        Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        var view = await rollback.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("RolledBack", view.GetProperty("status").GetString());
        Assert.Equal(0, view.GetProperty("weight").GetDecimal());

        // No sleep: the rollback returned after the new weight was in force.
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("legacy", await BackendOf(proxy, $"/api/orders/{i}"));
        }

        var audit = await proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/audit?migration=orders");
        var entry = audit.EnumerateArray().First();
        Assert.Equal("rollback", entry.GetProperty("action").GetString());
        Assert.Equal("candidate returns stale prices", entry.GetProperty("reason").GetString());
        Assert.Equal("local", entry.GetProperty("actor").GetString());
        var metrics = proxy.Services.GetRequiredService<ProxyMetrics>();
        Assert.Equal(1, metrics.Rollbacks.WithLabels("orders", "manual").Value);
        Assert.Equal(0, metrics.CandidateWeight.WithLabels("orders").Value);
    }

    [Fact]
    public async Task Weight_set_through_the_api_moves_a_quarter_of_users_and_pauses_auto_advance()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Migrations:orders:Cohort:From"] = "Header:X-User-Id";
        config["ShadowProxy:Migrations:orders:Shadow:Enabled"] = "false";
        await using var proxy = await TestProxy.StartAsync(config);

        using var set = await proxy.Admin.PostAsJsonAsync("/api/v1/migrations/orders/weight", new { weight = 25 });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var view = await set.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Paused", view.GetProperty("status").GetString());
        Assert.Equal(25, view.GetProperty("weight").GetDecimal());

        var onCandidate = 0;
        for (var i = 0; i < 4000; i++)
        {
            if (await BackendOf(proxy, "/api/profile", $"user-{i}") == "candidate")
            {
                onCandidate++;
            }
        }

        Assert.InRange(onCandidate / 40.0, 23, 27);
    }

    [Fact]
    public async Task Half_failing_candidate_is_rolled_back_automatically_and_no_client_saw_a_5xx()
    {
        var calls = 0;
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate", async context =>
        {
            if (Interlocked.Increment(ref calls) % 2 == 0)
            {
                context.Response.StatusCode = 500;
                return;
            }

            await context.Response.WriteAsync("""{"backend":"candidate"}""");
        });
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Migrations:orders:Cohort:From"] = "Header:X-User-Id";
        config["ShadowProxy:Migrations:orders:Ramp:Stages:0:Weight"] = "25";
        config["ShadowProxy:Migrations:orders:Ramp:Gates:Window"] = "00:00:30";
        config["ShadowProxy:Migrations:orders:Ramp:Gates:MinSamples"] = "20";
        config["ShadowProxy:Migrations:orders:Ramp:Gates:MaxP99LatencyRatio"] = "1000";
        config["ShadowProxy:Migrations:orders:Ramp:AutomaticRollback"] = "true";
        config["ShadowProxy:Migrations:orders:Failover:BreakerMinimumThroughput"] = "1000";
        await using var proxy = await TestProxy.StartAsync(config);

        var statuses = new List<HttpStatusCode>();
        string? status = null;
        for (var i = 0; i < 3000 && status != "RolledBack"; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/orders/{i}");
            request.Headers.Add("X-User-Id", $"user-{i}");
            using var response = await proxy.Client.SendAsync(request);
            statuses.Add(response.StatusCode);
            if (i % 50 == 49)
            {
                status = (await proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders")).GetProperty("status").GetString();
                await Task.Delay(50);
            }
        }

        await Eventually.True(() => Status(proxy) == "RolledBack", "the error-rate gate rolled the migration back", TimeSpan.FromSeconds(15));
        Assert.All(statuses, s => Assert.True((int)s < 500, $"a client saw {s}"));

        var view = await proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders");
        Assert.Contains("error rate", view.GetProperty("statusReason").GetString());
        var metrics = proxy.Services.GetRequiredService<ProxyMetrics>();
        Assert.Equal(1, metrics.Rollbacks.WithLabels("orders", "automatic").Value);
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal("legacy", await BackendOf(proxy, $"/api/orders/{i}", $"user-{i}"));
        }
    }

    [Fact]
    public async Task A_restart_mid_ramp_keeps_stage_weight_status_and_audit()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var directory = Directory.CreateTempSubdirectory("shadowproxy-restart-");
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config.Remove("ShadowProxy:Migrations:orders:Ramp:Stages:0:Name");
        config.Remove("ShadowProxy:Migrations:orders:Ramp:Stages:0:Weight");
        config["ShadowProxy:Store:Sqlite:Path"] = Path.Combine(directory.FullName, "state.db");
        string before;
        await using (var proxy = await TestProxy.StartAsync(config))
        {
            await Command(proxy, "promote");
            await Command(proxy, "promote");
            await Command(proxy, "pause", new { reason = "holding for the weekend" });
            before = Describe(await proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders"));
            Assert.Equal("early 5 Paused", before);
        }

        await using (var restarted = await TestProxy.StartAsync(config))
        {
            Assert.Equal(before, Describe(await restarted.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders")));
            var audit = await restarted.Admin.GetFromJsonAsync<JsonElement>("/api/v1/audit?migration=orders");
            var actions = audit.EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
            Assert.Equal(["pause", "promote", "promote"], actions.Take(3));
            Assert.Equal("holding for the weekend", audit[0].GetProperty("reason").GetString());
        }

        static string Describe(JsonElement view) =>
            $"{view.GetProperty("stage").GetString()} {view.GetProperty("weight").GetDecimal()} {view.GetProperty("status").GetString()}";
    }

    [Fact]
    public async Task History_keeps_counter_samples_for_rate_charts()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Migrations:orders:Shadow:Enabled"] = "false";
        await using var proxy = await TestProxy.StartAsync(config);
        for (var i = 0; i < 10; i++)
        {
            await BackendOf(proxy, $"/api/orders/{i}");
        }

        // The controller samples on its first tick, then every 10 s.
        JsonElement points = default;
        await Eventually.True(() =>
        {
            var history = proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders/history").GetAwaiter().GetResult();
            points = history.GetProperty("points");
            return points.GetArrayLength() > 0 && points[points.GetArrayLength() - 1].GetProperty("legacyRequests").GetInt64() == 10;
        }, "a sample with the ten requests");
        Assert.Equal(0, points[points.GetArrayLength() - 1].GetProperty("candidateRequests").GetInt64());
        using var unknown = await proxy.Admin.GetAsync("/api/v1/migrations/nope/history");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private static async Task Command(TestProxy proxy, string command, object? body = null)
    {
        using var response = await proxy.Admin.PostAsJsonAsync($"/api/v1/migrations/orders/{command}", body ?? new { });
        Assert.True(response.IsSuccessStatusCode, $"{command}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static string? Status(TestProxy proxy) =>
        proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders").GetAwaiter().GetResult().GetProperty("status").GetString();

    internal static async Task<string> BackendOf(TestProxy proxy, string path, string? userId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (userId is not null)
        {
            request.Headers.Add("X-User-Id", userId);
        }

        using var response = await proxy.Client.SendAsync(request);
        return response.Headers.GetValues("X-Backend").Single();
    }
}
