using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ShadowProxy.Demo;
using ShadowProxy.Hosting;
using ShadowProxy.Listeners;

namespace ShadowProxy.Dashboard.Tests.Infrastructure;

/// <summary>
/// A ShadowProxy host in this process (real Kestrel on 127.0.0.1, OS-chosen ports) in front of the demo's
/// legacy and candidate backends, with one API key per role and a bounded trickle of demo traffic.
/// </summary>
public sealed class DashboardProxy : IAsyncDisposable
{
    public const string Migration = "orders";
    public const string OperatorKey = "operator-key-0123456789";
    public const string SreKey = "sre-key-0123456789";
    public const string ViewerKey = "viewer-key-0123456789";

    /// <summary>At most this many requests of background traffic over the proxy's life.</summary>
    private const int MaxTrafficRequests = 4000;

    private readonly DemoBackends _backends;
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stop = new();
    private Task _traffic = Task.CompletedTask;

    private DashboardProxy(DemoBackends backends, WebApplication app)
    {
        _backends = backends;
        _app = app;
        var listeners = app.Services.GetRequiredService<ListenerMap>();
        ProxyAddress = listeners.ProxyAddresses[0];
        AdminAddress = listeners.AdminAddresses[0];
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = ProxyAddress, Timeout = TimeSpan.FromSeconds(15) };
        Admin = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = AdminAddress, Timeout = TimeSpan.FromSeconds(15) };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OperatorKey);
    }

    public Uri ProxyAddress { get; }

    public Uri AdminAddress { get; }

    /// <summary>Client of the proxy listener (the data path).</summary>
    public HttpClient Client { get; }

    /// <summary>Client of the admin API with the Operator key.</summary>
    public HttpClient Admin { get; }

    /// <param name="withKeys">False: no ApiKeys, the admin API is open (loopback only), as in demo mode.</param>
    public static async Task<DashboardProxy> StartAsync(bool withKeys = true)
    {
        // The candidate's first release throughout (its rename is what the flow test opens).
        var backends = await DemoBackends.StartAsync(NullLoggerFactory.Instance, CancellationToken.None, Timeout.InfiniteTimeSpan);
        try
        {
            var app = ShadowProxyHost.Build([], builder => builder.AddInMemoryCollection(Configuration(backends, withKeys)));
            await app.StartAsync();
            return new DashboardProxy(backends, app);
        }
        catch
        {
            await backends.DisposeAsync();
            throw;
        }
    }

    private static Dictionary<string, string?> Configuration(DemoBackends backends, bool withKeys)
    {
        const string prefix = "ShadowProxy:Migrations:" + Migration + ":";
        var settings = new Dictionary<string, string?>
        {
            ["ShadowProxy:Listen:0"] = "http://127.0.0.1:0",
            ["ShadowProxy:Admin:Listen"] = "http://127.0.0.1:0",
            ["ShadowProxy:Store:Sqlite:Path"] = Path.Combine(Path.GetTempPath(), "shadowproxy-dashboard-tests", Guid.NewGuid().ToString("N"), "shadowproxy.db"),
            [prefix + "Routes:0:Path"] = "/api/{**rest}",
            [prefix + "Legacy:Address"] = backends.LegacyAddress.ToString(),
            [prefix + "Candidate:Address"] = backends.CandidateAddress.ToString(),
            [prefix + "Diff:IgnoreJsonPaths:0"] = "$.meta.requestId",
            [prefix + "Redact:JsonPaths:0"] = "$.email",
            [prefix + "Cohort:From"] = "Header:" + DemoTrafficMix.UserIdHeader,
            [prefix + "Ramp:AutoAdvance"] = "false",
            [prefix + "Ramp:AutomaticRollback"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        (string Name, int Weight, string MinDuration)[] stages = [("shadow", 0, "00:10:00"), ("canary", 1, "00:10:00"), ("early", 5, "00:30:00"), ("half", 50, "01:00:00"), ("owned", 100, "00:00:00")];
        for (var i = 0; i < stages.Length; i++)
        {
            var stage = prefix + "Ramp:Stages:" + i.ToString(CultureInfo.InvariantCulture) + ":";
            settings[stage + "Name"] = stages[i].Name;
            settings[stage + "Weight"] = stages[i].Weight.ToString(CultureInfo.InvariantCulture);
            settings[stage + "MinDuration"] = stages[i].MinDuration;
        }

        if (withKeys)
        {
            (string Name, string Role, string Key)[] keys = [("ops-oliver", "Operator", OperatorKey), ("sre-sam", "Sre", SreKey), ("viewer-vic", "Viewer", ViewerKey)];
            for (var i = 0; i < keys.Length; i++)
            {
                var key = "ShadowProxy:Admin:ApiKeys:" + i.ToString(CultureInfo.InvariantCulture) + ":";
                settings[key + "Name"] = keys[i].Name;
                settings[key + "Role"] = keys[i].Role;
                settings[key + "Key"] = keys[i].Key;
            }
        }

        return settings;
    }

    /// <summary>Sends one round of every demo endpoint, then keeps a light bounded trickle going in the background.</summary>
    public async Task SendTrafficAsync(int rounds)
    {
        for (var i = 0; i < rounds; i++)
        {
            await Task.WhenAll(Round(i).Select(SendAsync));
        }

        _traffic = Task.Run(TrickleAsync);
    }

    private static IEnumerable<string> Round(int i) =>
    [
        $"/api/customers/{1 + (i % 40)}",
        $"/api/orders/{1 + (i % 60)}",
        $"/api/orders?page={1 + (i % 5)}",
        $"/api/catalog/products/{DemoShop.SkuOf(1 + (i % 30))}",
        "/api/health",
    ];

    private async Task TrickleAsync()
    {
        for (var i = 0; i < MaxTrafficRequests / 5 && !_stop.IsCancellationRequested; i++)
        {
            try
            {
                await Task.WhenAll(Round(i).Select(SendAsync));
                await Task.Delay(500, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SendAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add(DemoTrafficMix.UserIdHeader, "user-" + Random.Shared.Next(1, 500).ToString(CultureInfo.InvariantCulture));
        try
        {
            using var response = await Client.SendAsync(request, _stop.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            // Traffic is best effort; the tests wait on what the API reports.
        }
    }

    /// <summary>GETs an admin API path with the Operator key and parses the JSON.</summary>
    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Admin.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _traffic;
        Client.Dispose();
        Admin.Dispose();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync();
        await _backends.DisposeAsync();
        _stop.Dispose();
    }
}
