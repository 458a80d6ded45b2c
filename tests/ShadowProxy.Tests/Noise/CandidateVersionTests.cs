using System.Net.Http.Json;
using System.Text.Json;
using ShadowProxy.Tests.Infrastructure;
using static ShadowProxy.Tests.Noise.NoiseInForceTests;

namespace ShadowProxy.Tests.Noise;

/// <summary>docs/comparison.md#candidate-versions: renames and candidate versions end to end, on real Kestrel backends.</summary>
public sealed class CandidateVersionTests
{
    private const string Summary = "/api/v1/migrations/orders/diffs/summary";

    [Fact]
    public async Task A_rename_fixed_in_version_2_shows_as_fixed_and_version_2_has_no_count_for_it()
    {
        var version = 1;
        await using var legacy = await TestBackend.StartAsync("legacy", context => Json(context, """{"id":1,"customerName":"Ada","total":3}"""));
        await using var candidate = await TestBackend.StartAsync("candidate", context =>
        {
            var current = Volatile.Read(ref version);
            context.Response.Headers["X-App-Version"] = current.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Json(context, current == 1 ? """{"id":1,"customer_name":"Ada","total":3}""" : """{"id":1,"customerName":"Ada","total":3}""");
        });
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Migrations:orders:Candidate:VersionHeader"] = "X-App-Version";
        config["ShadowProxy:Migrations:orders:Diff:IgnoreHeaders:0"] = "X-Backend";
        config["ShadowProxy:Migrations:orders:Diff:NoiseProbe:Enabled"] = "false";
        config["ShadowProxy:Migrations:orders:Diff:NoiseProbe:MinPairs"] = "20";
        await using var proxy = await TestProxy.StartAsync(config);

        await SendAsync(proxy, 20);
        var renamed = await RowAsync(proxy, Summary, row => row.GetProperty("count").GetInt64() == 20);
        Assert.Equal("Renamed", renamed.GetProperty("kind").GetString());
        Assert.Equal("$.customerName", renamed.GetProperty("path").GetString());
        Assert.Equal("$.customer_name", renamed.GetProperty("candidatePath").GetString());
        Assert.Equal("1", renamed.GetProperty("lastVersion").GetString());
        Assert.False(renamed.GetProperty("fixed").GetBoolean());
        var summary = await proxy.Admin.GetFromJsonAsync<JsonElement>(Summary);
        Assert.Equal(1, summary.GetProperty("total").GetInt32());

        Volatile.Write(ref version, 2);
        await SendAsync(proxy, 25);
        await Eventually.True(() =>
        {
            var versions = proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders/versions").GetAwaiter().GetResult();
            return versions.GetProperty("versions").EnumerateArray().Any(v => v.GetProperty("version").GetString() == "2" && v.GetProperty("comparisons").GetInt64() == 25);
        }, "25 comparisons of version 2 reached the store", TimeSpan.FromSeconds(20));

        var fixedRow = await RowAsync(proxy, Summary, row => row.GetProperty("fixed").GetBoolean());
        Assert.Equal("2", fixedRow.GetProperty("fixedIn").GetString());
        Assert.Equal("1", fixedRow.GetProperty("lastVersion").GetString());
        Assert.Equal(20, fixedRow.GetProperty("count").GetInt64());

        var version2 = await proxy.Admin.GetFromJsonAsync<JsonElement>(Summary + "?version=2");
        Assert.Equal(0, version2.GetProperty("total").GetInt32());
        var version1 = await proxy.Admin.GetFromJsonAsync<JsonElement>(Summary + "?version=1");
        Assert.Equal(20, Assert.Single(version1.GetProperty("rows").EnumerateArray()).GetProperty("count").GetInt64());

        var list = await proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders/versions");
        Assert.Equal("2", list.GetProperty("newest").GetString());
        var v1 = Assert.Single(list.GetProperty("versions").EnumerateArray(), v => v.GetProperty("version").GetString() == "1");
        Assert.Equal((20, 1.0), (v1.GetProperty("comparisons").GetInt64(), v1.GetProperty("diffRate").GetDouble()));
    }

    [Fact]
    public async Task A_declared_version_tags_comparisons_without_a_version_header_and_is_audited()
    {
        await using var legacy = await TestBackend.StartAsync("legacy", context => Json(context, """{"a":1}"""));
        await using var candidate = await TestBackend.StartAsync("candidate", context => Json(context, """{"a":2}"""));
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Migrations:orders:Diff:IgnoreHeaders:0"] = "X-Backend";
        config["ShadowProxy:Migrations:orders:Diff:NoiseProbe:Enabled"] = "false";
        await using var proxy = await TestProxy.StartAsync(config);

        using var bad = await proxy.Admin.PostAsync("/api/v1/migrations/orders/versions", JsonBody("""{"version":""}"""));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);

        using var declare = await proxy.Admin.PostAsync("/api/v1/migrations/orders/versions", JsonBody("""{"version":"1.5","reason":"deploy 42"}"""));
        declare.EnsureSuccessStatusCode();
        await SendAsync(proxy, 3);
        await Eventually.True(() =>
        {
            var versions = proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders/versions").GetAwaiter().GetResult();
            return versions.GetProperty("versions").EnumerateArray().Any(v => v.GetProperty("version").GetString() == "1.5" && v.GetProperty("comparisons").GetInt64() == 3);
        }, "the comparisons are tagged with the declared version", TimeSpan.FromSeconds(20));

        var audit = await proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/audit");
        Assert.Contains("candidate version: 1.5", audit.GetRawText(), StringComparison.Ordinal);
    }

    private static async Task SendAsync(TestProxy proxy, int count)
    {
        for (var i = 1; i <= count; i++)
        {
            (await proxy.Client.GetAsync($"/api/customers/{i}")).EnsureSuccessStatusCode();
        }
    }

    private static async Task<JsonElement> RowAsync(TestProxy proxy, string url, Func<JsonElement, bool> until)
    {
        JsonElement found = default;
        await Eventually.True(() =>
        {
            var summary = proxy.Admin.GetFromJsonAsync<JsonElement>(url).GetAwaiter().GetResult();
            foreach (var row in summary.GetProperty("rows").EnumerateArray())
            {
                if (until(row))
                {
                    found = row;
                    return true;
                }
            }

            return false;
        }, $"a summary row as expected from {url}", TimeSpan.FromSeconds(20));
        return found;
    }
}
