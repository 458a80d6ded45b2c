using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using ShadowProxy.Hosting;
using ShadowProxy.Listeners;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Hosting;

/// <summary>
/// Live reload of a configuration file mounted from a Kubernetes ConfigMap. The kubelet lays the volume
/// out as <c>shadowproxy.json → ..data/shadowproxy.json</c>, <c>..data → ..2026_12_04_…</c>, and applies
/// an update by writing a new timestamped directory and renaming a new <c>..data</c> symlink over the
/// old one: the file's own name sees no event. This test does exactly that to the file the proxy was
/// started with (through the same <see cref="WatchedConfigFile"/> the executable uses for --config).
/// </summary>
public sealed class ConfigMapReloadTests
{
    [Fact]
    public async Task A_ConfigMap_style_symlink_swap_is_reloaded()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var volume = Directory.CreateTempSubdirectory("shadowproxy-configmap-").FullName;
        var database = Path.Combine(volume, "..", Path.GetFileName(volume) + "-state", "state.db");
        string Config(string stage) => $$"""
            {
              "ShadowProxy": {
                "Listen": ["http://127.0.0.1:0"],
                "Admin": { "Listen": "http://127.0.0.1:0" },
                "Store": { "Sqlite": { "Path": "{{database}}" } },
                "Migrations": {
                  "orders": {
                    "Routes": [ { "Path": "/api/orders/{**rest}" } ],
                    "Legacy": { "Address": "{{legacy.Address}}" },
                    "Candidate": { "Address": "{{candidate.Address}}" },
                    "Ramp": { "AutoAdvance": false, "AutomaticRollback": false, "Stages": [ { "Name": "{{stage}}", "Weight": 0 } ] }
                  }
                }
              }
            }
            """;

        KubeletWrite(volume, "..2026_12_04_10_00_00.000000001", Config("first"));
        File.CreateSymbolicLink(Path.Combine(volume, "shadowproxy.json"), Path.Combine("..data", "shadowproxy.json"));

        await using var app = ShadowProxyHost.Build([], builder => builder.AddWatchedJsonFile(Path.Combine(volume, "shadowproxy.json")));
        await app.StartAsync();
        using var admin = new HttpClient { BaseAddress = app.Services.GetRequiredService<ListenerMap>().AdminAddresses[0] };
        Assert.Equal("first", await StageAsync(admin));

        KubeletWrite(volume, "..2026_12_04_10_01_00.000000002", Config("second"));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (await StageAsync(admin) != "second")
        {
            Assert.True(DateTime.UtcNow < deadline, "the ConfigMap update was never reloaded");
            await Task.Delay(100);
        }

        var metrics = await PrometheusText.ScrapeAsync(admin);
        Assert.Equal(1, metrics.Value("shadowproxy_config_reloads_total", "result=applied"));
        Assert.Equal(1, metrics.Value("shadowproxy_config_valid"));

        // A refused update is seen the same way, and the gauge on-call alerts on says so.
        KubeletWrite(volume, "..2026_12_04_10_02_00.000000003", Config("third").Replace("\"Weight\": 0", "\"Weight\": 120", StringComparison.Ordinal));
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((await PrometheusText.ScrapeAsync(admin)).Value("shadowproxy_config_valid") != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the refused ConfigMap update never showed in shadowproxy_config_valid");
            await Task.Delay(100);
        }

        Assert.Equal("second", await StageAsync(admin));
        await app.StopAsync();
    }

    /// <summary>What the kubelet's atomic writer does: new data directory, new ..data link renamed over the old one, old directory removed.</summary>
    private static void KubeletWrite(string volume, string timestamped, string content)
    {
        var data = Path.Combine(volume, "..data");
        var previous = File.Exists(data) || Directory.Exists(data) ? new FileInfo(data).LinkTarget : null;
        Directory.CreateDirectory(Path.Combine(volume, timestamped));
        File.WriteAllText(Path.Combine(volume, timestamped, "shadowproxy.json"), content);
        var temporary = Path.Combine(volume, "..data_tmp");
        File.CreateSymbolicLink(temporary, timestamped);
        Rename(temporary, data);
        if (previous is not null)
        {
            Directory.Delete(Path.Combine(volume, previous), recursive: true);
        }
    }

    /// <summary>rename(2), as the kubelet does it: atomically replaces the link (File.Move refuses a link to a directory).</summary>
    private static void Rename(string from, string to)
    {
        var info = new ProcessStartInfo("mv") { ArgumentList = { "-T", from, to }, UseShellExecute = false, RedirectStandardError = true };
        using var mv = Process.Start(info)!;
        var error = mv.StandardError.ReadToEnd();
        mv.WaitForExit();
        Assert.True(mv.ExitCode == 0, error);
    }

    private static async Task<string?> StageAsync(HttpClient admin)
    {
        using var response = await admin.GetAsync("/api/v1/migrations/orders");
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("stage").GetString();
    }
}
