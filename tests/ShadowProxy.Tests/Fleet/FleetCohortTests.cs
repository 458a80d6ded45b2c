using System.Net.Http.Json;
using System.Text.Json;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Fleet;

/// <summary>docs/configuration.md#cohort "same on every process": two proxy processes and one in-process instance route every user alike.</summary>
public sealed class FleetCohortTests
{
    [Fact]
    public async Task Every_instance_of_the_fleet_puts_each_user_on_the_same_backend()
    {
        await using var redis = new RedisServer();
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = Fleet.Config(redis, "cohort:", legacy.Address, candidate.Address, new Dictionary<string, string?>
        {
            ["ShadowProxy:Migrations:orders:Shadow:Enabled"] = "false",
        });
        var json = JsonSerializer.Serialize(Nest(config));
        var starting = new[] { ProxyProcess.StartListeningAsync(json), ProxyProcess.StartListeningAsync(json) };
        await using var inProcess = await TestProxy.StartAsync(config);
        var processes = await Task.WhenAll(starting);
        try
        {
            using (var weight = await inProcess.Admin.PostAsJsonAsync("/api/v1/migrations/orders/weight", new { weight = 50 }))
            {
                weight.EnsureSuccessStatusCode();
            }

            var clients = processes.Select(p => new HttpClient { BaseAddress = p.Proxy }).Prepend(inProcess.Client).ToList();
            var admins = processes.Select(p => new HttpClient { BaseAddress = p.Admin }).ToList();
            await Fleet.EventuallyAsync(async () =>
            {
                foreach (var admin in admins)
                {
                    if ((await admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders")).GetProperty("weight").GetDecimal() != 50)
                    {
                        return false;
                    }
                }

                return true;
            }, "both processes run at weight 50", TimeSpan.FromSeconds(30));

            var users = Enumerable.Range(0, 300).Select(i => "customer-" + i).ToArray();
            var routes = new List<string[]>();
            foreach (var client in clients)
            {
                routes.Add(await Task.WhenAll(users.Select(async user =>
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/api/orders/1");
                    request.Headers.Add("X-User-Id", user);
                    using var response = await client.SendAsync(request);
                    return response.Headers.GetValues("X-Backend").Single();
                })));
            }

            Assert.Equal(routes[0], routes[1]);
            Assert.Equal(routes[0], routes[2]);
            Assert.InRange(routes[0].Count(b => b == "candidate"), 110, 190);
        }
        finally
        {
            foreach (var (process, _, _) in processes)
            {
                await process.DisposeAsync();
            }
        }
    }

    /// <summary>Flat "A:B:C" keys as a nested JSON object, as a configuration file has them.</summary>
    private static Dictionary<string, object> Nest(IDictionary<string, string?> flat)
    {
        var root = new Dictionary<string, object>();
        foreach (var (key, value) in flat)
        {
            var node = root;
            var parts = key.Split(':');
            for (var i = 0; i < parts.Length - 1; i++)
            {
                if (!node.TryGetValue(parts[i], out var child))
                {
                    node[parts[i]] = child = new Dictionary<string, object>();
                }

                node = (Dictionary<string, object>)child;
            }

            node[parts[^1]] = value!;
        }

        return root;
    }
}
