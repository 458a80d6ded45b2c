using System.Text.Json;
using ShadowProxy.Dashboard.Tests.Infrastructure;

namespace ShadowProxy.Dashboard.Tests;

/// <summary>A proxy with keys per role and demo traffic, until the renamed customer field shows in the diffs.</summary>
public sealed class ProxyFixture : IAsyncLifetime
{
    public const string CustomerEndpoint = "GET /api/customers/{id}";

    public DashboardProxy Proxy { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Proxy = await DashboardProxy.StartAsync();
        await Proxy.SendTrafficAsync(rounds: 12);
        await Eventually.WaitAsync(async () =>
        {
            var page = await Proxy.GetJsonAsync($"/api/v1/migrations/{DashboardProxy.Migration}/diffs/summary?path=customerName&limit=10");
            return page.GetProperty("rows").EnumerateArray().Any(r => r.GetProperty("path").GetString() == "$.customerName") ? (object)page : null;
        }, "the $.customerName difference in the summary");
    }

    public async Task<JsonElement> NoiseMarksAsync() =>
        (await Proxy.GetJsonAsync($"/api/v1/migrations/{DashboardProxy.Migration}/noise")).GetProperty("marks");

    public async Task DisposeAsync() => await Proxy.DisposeAsync();
}
