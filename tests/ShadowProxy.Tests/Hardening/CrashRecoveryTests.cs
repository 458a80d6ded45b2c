using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using ShadowProxy.Tests.Infrastructure;
using static ShadowProxy.Tests.Hardening.HardeningKit;

namespace ShadowProxy.Tests.Hardening;

/// <summary>
/// <c>kill -9</c> of a real proxy process mid-ramp, under load, with a state change in flight: after a
/// restart on the same SQLite file, every acknowledged state change and audit entry is there, the file
/// is intact, and the weight is never higher than the last one acknowledged.
/// </summary>
public sealed class CrashRecoveryTests
{
    [Fact]
    public async Task Kill_9_mid_ramp_under_load_loses_no_acknowledged_change_and_raises_no_weight()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var directory = Directory.CreateTempSubdirectory("shadowproxy-kill9-").FullName;
        var database = Path.Combine(directory, "state.db");
        var config = ConfigJson(legacy.Address, candidate.Address, database);

        decimal acknowledged = 0;
        var acknowledgedActions = new List<string>();
        for (var cycle = 0; cycle < 2; cycle++)
        {
            var (process, proxyAddress, admin) = await ProxyProcess.StartListeningAsync(config);
            await using (process)
            {
                using var adminClient = new HttpClient { BaseAddress = admin };
                var view = await adminClient.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders");
                acknowledged = AssertRestoredWeight(view, acknowledged);
                await AssertAuditHasAsync(adminClient, acknowledgedActions);

                using var load = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                var served = new StrongBox<int>();
                var traffic = LoadAsync(proxyAddress, served, load.Token);

                // One acknowledged raise per cycle (0 → 10 → 50)...
                using (var promote = await adminClient.PostAsJsonAsync("/api/v1/migrations/orders/promote", new { reason = $"cycle {cycle}" }))
                {
                    Assert.Equal(HttpStatusCode.OK, promote.StatusCode);
                    acknowledged = (await promote.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("weight").GetDecimal();
                    acknowledgedActions.Add("promote");
                }

                // The kill must land under load: wait until the proxy has served some of it (on a busy
                // machine a fixed pause can end before the first request is answered).
                await Eventually.True(() => Volatile.Read(ref served.Value) > 0, "the proxy served load", TimeSpan.FromSeconds(30));

                // ...then a raise in flight when the process dies: it may or may not have been saved.
                var inFlight = adminClient.PostAsJsonAsync("/api/v1/migrations/orders/promote", new { reason = "in flight" });
                process.Process.Kill(); // SIGKILL: no drain, no flush
                await process.Process.WaitForExitAsync();
                load.Cancel();
                await traffic;
                try
                {
                    using var response = await inFlight;
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        acknowledged = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("weight").GetDecimal();
                        acknowledgedActions.Add("promote");
                    }
                }
                catch (HttpRequestException)
                {
                    // Killed before it answered: not acknowledged.
                }
            }

            using var check = new SqliteConnection($"Data Source={database};Pooling=False");
            check.Open();
            using var integrity = check.CreateCommand();
            integrity.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", integrity.ExecuteScalar());
        }

        var (last, _, lastAdmin) = await ProxyProcess.StartListeningAsync(config);
        await using (last)
        {
            using var adminClient = new HttpClient { BaseAddress = lastAdmin };
            AssertRestoredWeight(await adminClient.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders"), acknowledged);
            await AssertAuditHasAsync(adminClient, acknowledgedActions);
        }
    }

    /// <summary>
    /// The weight after a restart is the one last acknowledged, or the next stage's when the raise in
    /// flight at the kill was saved (a raise is saved before it is in force) — never anything else.
    /// </summary>
    private static decimal AssertRestoredWeight(JsonElement view, decimal acknowledged)
    {
        var weight = view.GetProperty("weight").GetDecimal();
        Assert.True(weight == acknowledged || weight == Next(acknowledged), $"weight {weight} after a kill, {acknowledged} acknowledged");
        return weight;

        static decimal Next(decimal weight) => Stages.First(w => w > weight || w == Stages[^1]);
    }

    private static readonly decimal[] Stages = [0, 10, 25, 50, 100];

    private static async Task AssertAuditHasAsync(HttpClient admin, List<string> actions)
    {
        var audit = await admin.GetFromJsonAsync<JsonElement>("/api/v1/audit?migration=orders");
        var promotes = audit.EnumerateArray().Count(e => e.GetProperty("action").GetString() == "promote");
        Assert.True(promotes >= actions.Count, $"{promotes} promotes in the audit, {actions.Count} acknowledged");
    }

    /// <summary>A bounded load loop: GETs and POSTs until cancelled or the proxy is gone; returns how many were answered.</summary>
    private static async Task LoadAsync(Uri proxy, StrongBox<int> served, CancellationToken cancellationToken)
    {
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async worker =>
        {
            using var client = new HttpClient { BaseAddress = proxy, Timeout = TimeSpan.FromSeconds(5) };
            for (var i = 0; i < 5000 && !cancellationToken.IsCancellationRequested; i++)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/orders/{worker}-{i}");
                    request.Headers.Add("X-User-Id", $"user-{i}");
                    using var response = await client.SendAsync(request, cancellationToken);
                    Interlocked.Increment(ref served.Value);
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
                {
                    return;
                }
            }
        }));
    }

    private static string ConfigJson(Uri legacy, Uri candidate, string database) => $$"""
        {
          "ShadowProxy": {
            "Listen": ["http://127.0.0.1:0"],
            "Admin": { "Listen": "http://127.0.0.1:0" },
            "Store": { "Sqlite": { "Path": "{{database}}" } },
            "Migrations": {
              "{{Migration}}": {
                "Routes": [ { "Path": "/api/{**rest}" } ],
                "Legacy": { "Address": "{{legacy}}" },
                "Candidate": { "Address": "{{candidate}}" },
                "Cohort": { "From": "Header:X-User-Id" },
                "Ramp": {
                  "Stages": [
                    { "Name": "shadow", "Weight": 0 },
                    { "Name": "canary", "Weight": 10 },
                    { "Name": "quarter", "Weight": 25 },
                    { "Name": "half", "Weight": 50 },
                    { "Name": "all", "Weight": 100 }
                  ],
                  "AutoAdvance": false,
                  "AutomaticRollback": false
                }
              }
            }
          }
        }
        """;
}
