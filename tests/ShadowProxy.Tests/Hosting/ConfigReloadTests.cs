using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ShadowProxy.Hosting;
using ShadowProxy.Listeners;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Hosting;

/// <summary>Live configuration reload: valid edits apply without a restart, invalid ones are refused and reported.</summary>
public sealed class ConfigReloadTests : IAsyncLifetime
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"shadowproxy-reload-{Guid.NewGuid():N}.json");
    private TestBackend? _legacy;
    private TestBackend? _candidate;
    private TestBackend? _other;
    private WebApplication? _app;
    private HttpClient? _client;
    private HttpClient? _admin;
    private JsonObject? _config;

    public async Task InitializeAsync()
    {
        _legacy = await TestBackend.StartAsync("legacy");
        _candidate = await TestBackend.StartAsync("candidate");
        _other = await TestBackend.StartAsync("other");
        _config = JsonNode.Parse($$"""
            {
              "ShadowProxy": {
                "Listen": ["http://127.0.0.1:0"],
                "Admin": { "Listen": "http://127.0.0.1:0" },
                "Store": { "Sqlite": { "Path": "{{Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "state.db")}}" } },
                "Migrations": {
                  "orders": {
                    "Routes": [ { "Path": "/api/orders/{**rest}" } ],
                    "Legacy": { "Address": "{{_legacy.Address}}" },
                    "Candidate": { "Address": "{{_candidate.Address}}" },
                    "Diff": { "IgnoreHeaders": ["Date", "X-Backend"] },
                    "Ramp": { "AutoAdvance": false, "AutomaticRollback": false, "Stages": [ { "Name": "shadow", "Weight": 0 } ] }
                  }
                }
              }
            }
            """)!.AsObject();
        await WriteConfigAsync();
        _app = ShadowProxyHost.Build([], builder => builder.AddJsonFile(_path, optional: false, reloadOnChange: true));
        await _app.StartAsync();
        var listeners = _app.Services.GetRequiredService<ListenerMap>();
        _client = new HttpClient { BaseAddress = listeners.ProxyAddresses[0] };
        _admin = new HttpClient { BaseAddress = listeners.AdminAddresses[0] };
    }

    public async Task DisposeAsync()
    {
        _client!.Dispose();
        _admin!.Dispose();
        await _app!.StopAsync();
        await _app.DisposeAsync();
        await _legacy!.DisposeAsync();
        await _candidate!.DisposeAsync();
        await _other!.DisposeAsync();
        File.Delete(_path);
    }

    [Fact]
    public async Task A_valid_edit_applies_without_a_restart_and_adds_a_migration()
    {
        Assert.Equal("Diff", await OutcomeOfNextComparisonAsync());

        // The bodies differ only in "backend": ignoring it turns each comparison into noise.
        Migration("orders")["Diff"]!["IgnoreJsonPaths"] = new JsonArray("$.backend");
        Migrations()["payments"] = JsonNode.Parse($$"""
            {
              "Routes": [ { "Path": "/api/payments/{**rest}" } ],
              "Legacy": { "Address": "{{_other!.Address}}" },
              "Candidate": { "Address": "{{_candidate!.Address}}" },
              "Ramp": { "AutoAdvance": false, "Stages": [ { "Name": "shadow", "Weight": 0 } ] }
            }
            """);
        await WriteConfigAsync();

        await Eventually.True(() => Names().Contains("payments"), "the reload added the new migration", TimeSpan.FromSeconds(15));
        Assert.Equal("Noise", await OutcomeOfNextComparisonAsync());
        using var payment = await _client!.GetAsync("/api/payments/9");
        Assert.Equal("other", payment.Headers.GetValues("X-Backend").Single());
        Assert.Contains("ready", await _admin!.GetStringAsync("/readyz"));
    }

    [Fact]
    public async Task An_invalid_edit_is_refused_the_last_good_configuration_stays_and_readyz_says_so()
    {
        Migration("orders")["Ramp"]!["Stages"]![0]!["Weight"] = 120;
        await WriteConfigAsync();

        await Eventually.True(() => _admin!.GetStringAsync("/readyz").GetAwaiter().GetResult().Contains("configuration file invalid"),
            "readyz reports the invalid file", TimeSpan.FromSeconds(15));
        var readyz = await _admin!.GetStringAsync("/readyz");
        // Named by its key, never by its value (docs/security.md).
        Assert.Contains("ShadowProxy:Migrations:orders:Ramp:Stages[0]:Weight", readyz);
        Assert.DoesNotContain("120", readyz);

        // Still serving, still comparing, on the last good configuration.
        using var response = await _client!.GetAsync("/api/orders/1");
        Assert.Equal("legacy", response.Headers.GetValues("X-Backend").Single());
        Assert.Equal("Diff", await OutcomeOfNextComparisonAsync());

        Migration("orders")["Ramp"]!["Stages"]![0]!["Weight"] = 0;
        await WriteConfigAsync();
        await Eventually.True(() => _admin!.GetStringAsync("/readyz").GetAwaiter().GetResult() == "ready\n", "a fixed file clears the report", TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task A_route_added_to_the_ReverseProxy_section_serves_without_a_restart()
    {
        using (var before = await _client!.GetAsync("/other/x"))
        {
            Assert.Equal(System.Net.HttpStatusCode.NotFound, before.StatusCode);
        }

        _config!["ReverseProxy"] = JsonNode.Parse($$"""
            {
              "Routes": { "other": { "ClusterId": "other", "Match": { "Path": "/other/{**rest}" } } },
              "Clusters": { "other": { "Destinations": { "one": { "Address": "{{_other!.Address}}" } } } }
            }
            """);
        await WriteConfigAsync();

        await Eventually.True(() => _client.GetAsync("/other/x").GetAwaiter().GetResult().Headers.TryGetValues("X-Backend", out var backend) && backend.Single() == "other",
            "the new YARP route serves", TimeSpan.FromSeconds(15));
        Assert.Equal(["orders"], Names());
        Assert.Equal("Diff", await OutcomeOfNextComparisonAsync());
    }

    private async Task<string> OutcomeOfNextComparisonAsync()
    {
        var before = await CountersAsync();
        (await _client!.GetAsync("/api/orders/" + Random.Shared.Next(1000))).Dispose();
        string? outcome = null;
        await Eventually.True(() =>
        {
            var after = CountersAsync().GetAwaiter().GetResult();
            outcome = new[] { "match", "diff", "noise" }.FirstOrDefault(k => after.GetProperty(k).GetInt64() > before.GetProperty(k).GetInt64());
            return outcome is not null;
        }, "the comparison was counted");
        return char.ToUpperInvariant(outcome![0]) + outcome[1..];
    }

    private async Task<JsonElement> CountersAsync() =>
        (await _admin!.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders")).GetProperty("counters");

    private List<string?> Names() =>
        _admin!.GetFromJsonAsync<JsonElement>("/api/v1/migrations").GetAwaiter().GetResult().EnumerateArray().Select(m => m.GetProperty("name").GetString()).ToList();

    private JsonObject Migrations() => _config!["ShadowProxy"]!["Migrations"]!.AsObject();

    private JsonNode Migration(string name) => Migrations()[name]!;

    // Written to a temporary file and moved into place, as editors and config-management tools do.
    private async Task WriteConfigAsync()
    {
        var temporary = _path + ".tmp";
        await File.WriteAllTextAsync(temporary, _config!.ToJsonString());
        File.Move(temporary, _path, overwrite: true);
    }
}
