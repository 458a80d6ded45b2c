using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Noise;

/// <summary>docs/comparison.md#noise: noise flags reflect the rules in force now, for counts recorded before them and after a restart.</summary>
public sealed class NoiseInForceTests
{
    private const string Summary = "/api/v1/migrations/orders/diffs/summary";

    [Fact]
    public async Task A_mark_flags_existing_rows_at_once_and_after_a_restart_and_an_unmark_clears_them()
    {
        await using var legacy = await TestBackend.StartAsync("legacy", context => Json(context, """{"order":{"id":1,"state":"open","total":10}}"""));
        await using var candidate = await TestBackend.StartAsync("candidate", context => Json(context, """{"order":{"id":1,"state":"OPEN","total":10}}"""));
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Migrations:orders:Diff:IgnoreHeaders:0"] = "X-Backend";
        config["ShadowProxy:Migrations:orders:Diff:NoiseProbe:Enabled"] = "false";

        await using (var proxy = await TestProxy.StartAsync(config))
        {
            for (var i = 1; i <= 20; i++)
            {
                (await proxy.Client.GetAsync($"/api/orders/{i}")).EnsureSuccessStatusCode();
            }

            var before = await RowAsync(proxy, "$.order.state", row => row.GetProperty("count").GetInt64() == 20);
            Assert.False(before.GetProperty("isNoise").GetBoolean());
            Assert.Equal(JsonValueKind.Null, before.GetProperty("noiseSource").ValueKind);
            var sampleId = before.GetProperty("sampleIds")[0].GetInt64();

            using var mark = await proxy.Admin.PostAsync("/api/v1/migrations/orders/noise", JsonBody("""{"path":"$.order.state"}"""));
            mark.EnsureSuccessStatusCode();

            // At once: the very next read, with no new comparison in between; the count is kept.
            var marked = await RowAsync(proxy, "$.order.state");
            Assert.True(marked.GetProperty("isNoise").GetBoolean());
            Assert.Equal("mark", marked.GetProperty("noiseSource").GetString());
            Assert.Equal(20, marked.GetProperty("count").GetInt64());
            var noiseOnly = await proxy.Admin.GetFromJsonAsync<JsonElement>(Summary + "?noise=true");
            Assert.Equal("$.order.state", Assert.Single(noiseOnly.GetProperty("rows").EnumerateArray()).GetProperty("path").GetString());

            var sample = await proxy.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/migrations/orders/diffs/{sampleId}");
            var difference = Assert.Single(sample.GetProperty("differences").EnumerateArray(), d => d.GetProperty("path").GetString() == "$.order.state");
            Assert.True(difference.GetProperty("isNoise").GetBoolean());
            Assert.Equal("mark", difference.GetProperty("noiseSource").GetString());
        }

        await using (var restarted = await TestProxy.StartAsync(config))
        {
            var afterRestart = await RowAsync(restarted, "$.order.state", row => row.GetProperty("isNoise").GetBoolean());
            Assert.Equal("mark", afterRestart.GetProperty("noiseSource").GetString());
            Assert.Equal(20, afterRestart.GetProperty("count").GetInt64());

            using var unmark = await restarted.Admin.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/v1/migrations/orders/noise") { Content = JsonBody("""{"path":"$.order.state"}""") });
            unmark.EnsureSuccessStatusCode();
            var unmarked = await RowAsync(restarted, "$.order.state");
            Assert.False(unmarked.GetProperty("isNoise").GetBoolean());
            Assert.Equal(JsonValueKind.Null, unmarked.GetProperty("noiseSource").ValueKind);
            Assert.Equal(20, unmarked.GetProperty("count").GetInt64());
        }
    }

    private static async Task<JsonElement> RowAsync(TestProxy proxy, string path, Func<JsonElement, bool>? until = null)
    {
        JsonElement found = default;
        await Eventually.True(() =>
        {
            var summary = proxy.Admin.GetFromJsonAsync<JsonElement>(Summary).GetAwaiter().GetResult();
            foreach (var row in summary.GetProperty("rows").EnumerateArray())
            {
                if (row.GetProperty("path").GetString() == path && (until is null || until(row)))
                {
                    found = row;
                    return true;
                }
            }

            return false;
        }, $"the summary has a row for {path}", TimeSpan.FromSeconds(20));
        return found;
    }

    internal static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");

    internal static Task Json(HttpContext context, string body)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body);
    }
}
