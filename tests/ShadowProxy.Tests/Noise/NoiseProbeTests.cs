using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ShadowProxy.Core.Storage;
using ShadowProxy.Tests.Infrastructure;
using static ShadowProxy.Tests.Noise.NoiseInForceTests;

namespace ShadowProxy.Tests.Noise;

/// <summary>docs/comparison.md#the-noise-probe: the noise probe learns where legacy disagrees with itself, and the diff-rate gate counts only the rest.</summary>
public sealed class NoiseProbeTests
{
    private const int Requests = 80;

    [Fact]
    public async Task Random_fields_become_probe_noise_and_only_the_real_difference_counts_in_the_gate()
    {
        // Both backends emit a random requestId and a timestamp; the candidate differs for real in one field, on a quarter of the orders.
        await using var legacy = await TestBackend.StartAsync("legacy", context => Order(context, "open"));
        await using var candidate = await TestBackend.StartAsync("candidate", context =>
            Order(context, int.Parse(context.Request.Path.Value!.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture) % 4 == 0 ? "OPEN" : "open"));
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        const string Prefix = "ShadowProxy:Migrations:orders:";
        config[Prefix + "Diff:IgnoreHeaders:0"] = "X-Backend";
        config[Prefix + "Diff:NoiseProbe:Enabled"] = "true";
        config[Prefix + "Diff:NoiseProbe:SamplePercent"] = "100";
        config[Prefix + "Diff:NoiseProbe:MinPairs"] = "20";
        config[Prefix + "Diff:NoiseProbe:Threshold"] = "0.5";
        config[Prefix + "Ramp:Gates:MinSamples"] = "50";
        config[Prefix + "Ramp:Gates:Window"] = "00:10:00";
        await using var proxy = await TestProxy.StartAsync(config);

        for (var i = 1; i <= Requests; i++)
        {
            (await proxy.Client.GetAsync($"/api/orders/{i}")).EnsureSuccessStatusCode();
        }

        JsonElement rows = default;
        await Eventually.True(() =>
        {
            var summary = proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders/diffs/summary").GetAwaiter().GetResult();
            rows = summary.GetProperty("rows");
            return rows.EnumerateArray().Any(r => r.GetProperty("path").GetString() == "$.meta.requestId" && r.GetProperty("count").GetInt64() == Requests)
                && rows.EnumerateArray().All(r => r.GetProperty("path").GetString() == "$.status" || r.GetProperty("noiseSource").GetString() == "probe");
        }, "every comparison is stored and the probe has learned the random fields", TimeSpan.FromSeconds(30));

        Assert.Equal("probe", Row(rows, "$.meta.generatedAt").GetProperty("noiseSource").GetString());
        Assert.True(Row(rows, "$.meta.requestId").GetProperty("isNoise").GetBoolean());
        var status = Row(rows, "$.status");
        Assert.False(status.GetProperty("isNoise").GetBoolean());
        Assert.Equal(Requests / 4, status.GetProperty("count").GetInt64());

        // The gate re-judges the window's comparisons by the rules in force: a quarter differ, not all.
        await Eventually.True(() =>
        {
            var migration = proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders").GetAwaiter().GetResult();
            var gate = migration.GetProperty("gates").GetProperty("gates").EnumerateArray().Single(g => g.GetProperty("name").GetString() == "diff rate");
            return gate.GetProperty("value").ValueKind == JsonValueKind.Number && Math.Abs(gate.GetProperty("value").GetDouble() - 0.25) < 1e-9;
        }, "the diff-rate gate counts only the real difference (0.25)", TimeSpan.FromSeconds(20));

        // Probe pairs are counted as probes, never as comparisons.
        var scrape = await PrometheusText.ScrapeAsync(proxy.Admin);
        Assert.Equal(Requests, scrape.Value("shadowproxy_shadow_requests_total", "migration=orders", "outcome=probe"));
        Assert.Equal(Requests, scrape.Value("shadowproxy_comparisons_total", "migration=orders", "result=match")
            + scrape.Value("shadowproxy_comparisons_total", "migration=orders", "result=diff")
            + scrape.ValueOrZero("shadowproxy_comparisons_total", "migration=orders", "result=noise"));
        Assert.Equal(2 * Requests, legacy.Requests.Count);
    }

    [Fact]
    public async Task What_the_probe_learned_survives_a_restart()
    {
        await using var legacy = await TestBackend.StartAsync("legacy", context => Order(context, "open"));
        await using var candidate = await TestBackend.StartAsync("candidate", context => Order(context, "open"));
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        const string Prefix = "ShadowProxy:Migrations:orders:";
        config[Prefix + "Diff:IgnoreHeaders:0"] = "X-Backend";
        config[Prefix + "Diff:NoiseProbe:Enabled"] = "true";
        config[Prefix + "Diff:NoiseProbe:SamplePercent"] = "100";
        config[Prefix + "Diff:NoiseProbe:MinPairs"] = "10";
        await using (var proxy = await TestProxy.StartAsync(config))
        {
            for (var i = 1; i <= 10; i++)
            {
                (await proxy.Client.GetAsync($"/api/orders/{i}")).EnsureSuccessStatusCode();
            }

            await Eventually.True(() => SourceOf(proxy, "$.meta.generatedAt") == "probe", "the probe learned the timestamp", TimeSpan.FromSeconds(30));

            // Saved every couple of seconds when it changes: wait until the store has it before stopping.
            var store = proxy.Services.GetRequiredService<ISignalStore>();
            await Eventually.True(() => store.ReadProbeNoiseAsync("orders").GetAwaiter().GetResult().Values.Any(paths => paths.Contains("$.meta.generatedAt")),
                "the learned noise is saved", TimeSpan.FromSeconds(30));
        }

        // No probe after the restart: the timestamp is still noise, from what was saved.
        config[Prefix + "Diff:NoiseProbe:Enabled"] = "false";
        await using var restarted = await TestProxy.StartAsync(config);
        Assert.Equal("probe", SourceOf(restarted, "$.meta.generatedAt"));
    }

    private static string? SourceOf(TestProxy proxy, string path)
    {
        var summary = proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders/diffs/summary?noise=any").GetAwaiter().GetResult();
        var row = summary.GetProperty("rows").EnumerateArray().FirstOrDefault(r => r.GetProperty("path").GetString() == path);
        return row.ValueKind == JsonValueKind.Object ? row.GetProperty("noiseSource").GetString() : null;
    }

    private static JsonElement Row(JsonElement rows, string path) => rows.EnumerateArray().Single(r => r.GetProperty("path").GetString() == path);

    private static Task Order(HttpContext context, string status) =>
        Json(context, $$"""{"meta":{"requestId":"{{Guid.NewGuid()}}","generatedAt":"{{DateTime.UtcNow:O}}-{{Random.Shared.Next()}}"},"status":"{{status}}"}""");
}
