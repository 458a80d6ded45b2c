using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Proxy;

public sealed class CohortRoutingTests
{
    [Fact]
    public async Task The_same_key_lands_on_the_same_backend_in_two_separately_started_processes()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = $$"""
            {
              "ShadowProxy": {
                "Listen": ["http://127.0.0.1:0"],
                "Admin": { "Listen": "http://127.0.0.1:0" },
                "Store": { "Sqlite": { "Path": "{{Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "state.db")}}" } },
                "Migrations": {
                  "orders": {
                    "Routes": [ { "Path": "/api/{**rest}" } ],
                    "Legacy": { "Address": "{{legacy.Address}}" },
                    "Candidate": { "Address": "{{candidate.Address}}" },
                    "Cohort": { "From": "Header:X-User-Id" },
                    "Shadow": { "Enabled": false },
                    "Ramp": { "AutoAdvance": false, "Stages": [ { "Name": "half", "Weight": 50 } ] }
                  }
                }
              }
            }
            """;

        var first = await BackendsByKeyAsync(config);
        var second = await BackendsByKeyAsync(config);

        Assert.Equal(first, second);
        var onCandidate = first.Count(b => b == "candidate");
        Assert.InRange(onCandidate, 60, 140); // 200 keys at 50%: both backends are used
    }

    [Fact]
    public async Task At_weight_25_a_quarter_of_distinct_users_reach_the_candidate_and_stay_there()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Migrations:orders:Cohort:From"] = "Header:X-User-Id";
        config["ShadowProxy:Migrations:orders:Shadow:Enabled"] = "false";
        config["ShadowProxy:Migrations:orders:Ramp:Stages:0:Weight"] = "25";
        await using var proxy = await TestProxy.StartAsync(config);

        const int users = 4000;
        var backends = await SendAsync(proxy.Client, Enumerable.Range(0, users).Select(i => $"user-{i}").ToArray());
        var share = backends.Count(b => b == "candidate") * 100.0 / users;
        Assert.InRange(share, 23, 27);

        // Sticky: the same users again land where they did.
        var again = await SendAsync(proxy.Client, Enumerable.Range(0, 500).Select(i => $"user-{i}").ToArray());
        Assert.Equal(backends.Take(500), again);
    }

    private static async Task<string[]> BackendsByKeyAsync(string config)
    {
        var (process, proxyAddress, _) = await ProxyProcess.StartListeningAsync(config);
        await using (process)
        {
            using var client = new HttpClient { BaseAddress = proxyAddress };
            return await SendAsync(client, Enumerable.Range(0, 200).Select(i => $"customer-{i}").ToArray());
        }
    }

    private static async Task<string[]> SendAsync(HttpClient client, string[] userIds)
    {
        var backends = new string[userIds.Length];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < userIds.Length)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/api/profile");
                request.Headers.Add("X-User-Id", userIds[i]);
                using var response = await client.SendAsync(request);
                backends[i] = response.Headers.GetValues("X-Backend").Single();
            }
        }));
        return backends;
    }
}
