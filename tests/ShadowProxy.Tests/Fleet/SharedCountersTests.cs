using System.Net.Http.Json;
using System.Text.Json;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Fleet;

/// <summary>
/// docs/architecture.md#fleet-mode: the live counters, the side-by-side report and the rate history are the same through every
/// instance of a fleet, and survive restarting all of them; in SQLite mode they survive a restart too.
/// </summary>
public sealed class SharedCountersTests
{
    [Fact]
    public async Task Two_instances_answer_the_same_counters_report_and_history_and_keep_them_across_a_restart_of_both()
    {
        await using var redis = new RedisServer();
        await using var legacy = await Fleet.SameAnswerBackendAsync("legacy");
        await using var candidate = await Fleet.SameAnswerBackendAsync("candidate");
        var config = Fleet.Config(redis, $"counters{Guid.NewGuid():N}:", legacy.Address, candidate.Address);

        var fleet = await Fleet.StartAsync(2, config);
        try
        {
            await SendAsync(fleet[0], 12, "/api/orders/");
            await SendAsync(fleet[1], 8, "/api/orders/");
            await SendAsync(fleet[1], 5, "/api/items/");
            await AssertSameThroughBothAsync(fleet, requests: 25, comparisons: 25);
        }
        finally
        {
            await fleet.DisposeAsync();
        }

        // Both instances gone, both back: nothing was lost, and both still agree.
        fleet = await Fleet.StartAsync(2, config);
        await using (fleet)
        {
            await AssertSameThroughBothAsync(fleet, requests: 25, comparisons: 25);
            await SendAsync(fleet[0], 3, "/api/orders/");
            await AssertSameThroughBothAsync(fleet, requests: 28, comparisons: 28);
        }
    }

    [Fact]
    public async Task Counters_report_and_history_survive_a_restart_on_SQLite()
    {
        await using var legacy = await Fleet.SameAnswerBackendAsync("legacy");
        await using var candidate = await Fleet.SameAnswerBackendAsync("candidate");
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);

        await using (var first = await TestProxy.StartAsync(config))
        {
            await SendAsync(first, 7, "/api/orders/");
            await Eventually.True(() => Totals(first).Comparisons == 7, "the comparisons are counted", TimeSpan.FromSeconds(30));
        }

        var restartedAt = DateTimeOffset.UtcNow;
        await using var second = await TestProxy.StartAsync(config);
        await Eventually.True(() => Totals(second) == new Counted(7, 7), "the counters of the first run are back", TimeSpan.FromSeconds(30));
        var report = await second.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders/report");
        Assert.Equal(7, report.GetProperty("totals").GetProperty("legacyRequests").GetInt64());
        Assert.Equal(7, report.GetProperty("totals").GetProperty("comparisons").GetInt64());
        var history = await second.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders/history");
        Assert.Contains(history.GetProperty("points").EnumerateArray().SkipLast(1), p => p.GetProperty("time").GetDateTimeOffset() < restartedAt);
        Assert.Equal(7, history.GetProperty("points").EnumerateArray().Last().GetProperty("legacyRequests").GetInt64());
    }

    private static async Task AssertSameThroughBothAsync(Fleet fleet, long requests, long comparisons)
    {
        var expected = new Counted(requests, comparisons);
        await Fleet.EventuallyAsync(() => Task.FromResult(Totals(fleet[0]) == expected && Totals(fleet[1]) == expected),
            $"both instances count {requests} requests and {comparisons} comparisons", TimeSpan.FromSeconds(30));

        // The report: the same rows through both, adding up to the fleet's traffic.
        await Fleet.EventuallyAsync(async () => await ReportRowsAsync(fleet[0]) == await ReportRowsAsync(fleet[1]), "both reports agree", TimeSpan.FromSeconds(30));
        var report = await fleet[0].Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders/report");
        Assert.Equal(requests, report.GetProperty("totals").GetProperty("legacyRequests").GetInt64());
        Assert.Equal(comparisons, report.GetProperty("totals").GetProperty("comparisons").GetInt64());
        Assert.True(report.GetProperty("endpoints").GetArrayLength() >= 1);

        // The history: the same stored points through both, one of them with the fleet's total.
        await Fleet.EventuallyAsync(async () =>
        {
            var a = await StoredPointsAsync(fleet[0]);
            var b = await StoredPointsAsync(fleet[1]);
            return a == b && a.Contains($"\"legacyRequests\":{requests},", StringComparison.Ordinal);
        }, "both histories hold the same points, up to the current total", TimeSpan.FromSeconds(40));
    }

    private static async Task SendAsync(TestProxy proxy, int count, string prefix)
    {
        for (var i = 0; i < count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, prefix + i);
            request.Headers.Add("X-User-Id", $"user-{i}");
            using var response = await proxy.Client.SendAsync(request);
            response.EnsureSuccessStatusCode();
        }
    }

    private sealed record Counted(long Requests, long Comparisons);

    private static Counted Totals(TestProxy proxy)
    {
        var counters = proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders").GetAwaiter().GetResult().GetProperty("counters");
        return new Counted(counters.GetProperty("legacyRequests").GetInt64(),
            counters.GetProperty("match").GetInt64() + counters.GetProperty("diff").GetInt64() + counters.GetProperty("noise").GetInt64());
    }

    private static async Task<string> ReportRowsAsync(TestProxy proxy) =>
        (await proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders/report")).GetProperty("endpoints").GetRawText();

    /// <summary>The history's stored points (the last point is the live current value, which may differ by a moment).</summary>
    private static async Task<string> StoredPointsAsync(TestProxy proxy) =>
        JsonSerializer.Serialize((await proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders/history")).GetProperty("points").EnumerateArray().SkipLast(1).ToList());
}
