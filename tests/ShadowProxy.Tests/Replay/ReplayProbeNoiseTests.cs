using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ShadowProxy.Tests.Cli;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Replay;

/// <summary>The noise probe's learned noise (docs/comparison.md#the-noise-probe) travels in the export and a replay judges by it (docs/admin-api.md#replay-corpus).</summary>
public sealed class ReplayProbeNoiseTests
{
    [Fact]
    public async Task A_path_where_legacy_disagrees_with_itself_is_noise_in_a_replay_from_the_proxy_and_from_the_file()
    {
        await using var legacy = await TestBackend.StartAsync("legacy", Items);
        await using var candidate = await TestBackend.StartAsync("candidate", Items);
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        const string Prefix = "ShadowProxy:Migrations:orders:";
        config[Prefix + "Diff:IgnoreHeaders:0"] = "Date";
        config[Prefix + "Diff:IgnoreHeaders:1"] = "X-Backend";
        config[Prefix + "Diff:NoiseProbe:Enabled"] = "true";
        config[Prefix + "Diff:NoiseProbe:SamplePercent"] = "100";
        config[Prefix + "Diff:NoiseProbe:MinPairs"] = "3";
        config[Prefix + "Diff:NoiseProbe:Threshold"] = "0.5";
        await using var proxy = await TestProxy.StartAsync(config);
        await using var build = await TestBackend.StartAsync("build", Items);

        var next = 0;
        await Eventually.True(() =>
        {
            (proxy.Client.GetAsync($"/api/items/{next++}").Result).Dispose();
            Thread.Sleep(20);
            var export = Export(proxy).Result.GetProperty("log");
            var rules = export.GetProperty("_shadowProxy").GetProperty("rules");
            return export.GetProperty("entries").GetArrayLength() >= 3 && rules.TryGetProperty("noise", out var noise)
                && noise.EnumerateArray().Any(n => n.GetProperty("source").GetString() == "probe" && n.GetProperty("path").GetString() == "$.nonce"
                    && n.GetProperty("endpoint").GetString() == "GET /api/items/{id}");
        }, "the corpus has exchanges, the probe learned $.nonce and the export carries it", TimeSpan.FromSeconds(60));

        var har = Path.Combine(Directory.CreateTempSubdirectory("replay-probe-").FullName, "orders.har");
        await File.WriteAllTextAsync(har, (await Export(proxy)).GetRawText());
        var environment = new Dictionary<string, string?> { ["SHADOWCTL_SERVER"] = proxy.AdminAddress.ToString() };
        foreach (var source in new[] { new[] { "orders" }, ["--from", har] })
        {
            var run = await ShadowCtlFixture.RunWithAsync(environment, CancellationToken.None, ["replay", .. source, "--target", build.Address.ToString(), "--json"]);
            Assert.True(run.ExitCode == 0, run.ToString());
            var totals = JsonDocument.Parse(run.Stdout).RootElement.GetProperty("totals");
            Assert.Equal(0, totals.GetProperty("differ").GetInt32());
            Assert.Equal(totals.GetProperty("replayed").GetInt32(), totals.GetProperty("noise").GetInt32());
        }
    }

    private static Task Items(HttpContext context)
    {
        context.Response.ContentType = "application/json";
        var path = context.Request.Path.Value!;
        return context.Response.WriteAsync($$$"""{"id":{{{path[(path.LastIndexOf('/') + 1)..]}}},"nonce":"{{{Guid.NewGuid()}}}"}""", Encoding.UTF8);
    }

    private static async Task<JsonElement> Export(TestProxy proxy)
    {
        using var response = await proxy.Admin.GetAsync("/api/v1/migrations/orders/exchanges?format=har");
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
