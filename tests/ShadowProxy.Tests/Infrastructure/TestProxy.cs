using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ShadowProxy.Hosting;
using ShadowProxy.Listeners;

namespace ShadowProxy.Tests.Infrastructure;

/// <summary>
/// A ShadowProxy host in this process on real Kestrel listeners (127.0.0.1, OS-chosen ports), built
/// from in-memory configuration exactly as <c>--config</c> would build it from a file.
/// </summary>
public sealed class TestProxy : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestProxy(WebApplication app)
    {
        _app = app;
        var listeners = app.Services.GetRequiredService<ListenerMap>();
        ProxyAddress = listeners.ProxyAddresses[0];
        AdminAddress = listeners.AdminAddresses[0];
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = ProxyAddress, Timeout = TimeSpan.FromSeconds(30) };
        Admin = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = AdminAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri ProxyAddress { get; }

    public Uri AdminAddress { get; }

    public HttpClient Client { get; }

    public HttpClient Admin { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Configuration for one migration named <paramref name="migration"/>, to be extended by the test.</summary>
    public static Dictionary<string, string?> MigrationConfig(string migration, Uri legacy, Uri candidate, string routePath = "/api/{**rest}")
    {
        var prefix = $"ShadowProxy:Migrations:{migration}:";
        var config = BaseConfig(prefix);
        config[prefix + "Routes:0:Path"] = routePath;
        config[prefix + "Legacy:Address"] = legacy.ToString();
        config[prefix + "Candidate:Address"] = candidate.ToString();
        return config;
    }

    /// <summary>Like <see cref="MigrationConfig"/>, for a migration on the YARP configuration's own route and clusters (SPEC §12), which the test adds.</summary>
    public static Dictionary<string, string?> ClusterMigrationConfig(string migration, string routeId, string legacyClusterId, string candidateClusterId)
    {
        var prefix = $"ShadowProxy:Migrations:{migration}:";
        var config = BaseConfig(prefix);
        config[prefix + "Routes:0:RouteId"] = routeId;
        config[prefix + "Legacy:ClusterId"] = legacyClusterId;
        config[prefix + "Candidate:ClusterId"] = candidateClusterId;
        return config;
    }

    private static Dictionary<string, string?> BaseConfig(string prefix) =>
        new()
        {
            ["ShadowProxy:Listen:0"] = "http://127.0.0.1:0",
            ["ShadowProxy:Admin:Listen"] = "http://127.0.0.1:0",
            ["ShadowProxy:Store:Sqlite:Path"] = Path.Combine(Path.GetTempPath(), "shadowproxy-tests", Guid.NewGuid().ToString("N"), "shadowproxy.db"),
            [prefix + "Ramp:AutoAdvance"] = "false",
            // Tests that are not about the gates must not be rolled back by latency jitter on a busy machine.
            [prefix + "Ramp:AutomaticRollback"] = "false",
            [prefix + "Ramp:Stages:0:Name"] = "shadow",
            [prefix + "Ramp:Stages:0:Weight"] = "0",
            // The noise probe sends a sampled second copy to legacy: tests that count legacy's requests must not see one.
            // Tests about the probe turn it back on.
            [prefix + "Diff:NoiseProbe:Enabled"] = "false",
        };

    /// <param name="services">Extra service registrations, after the proxy's own (e.g. an in-memory trace exporter).</param>
    public static async Task<TestProxy> StartAsync(IDictionary<string, string?> configuration, Action<IServiceCollection>? services = null)
    {
        var app = ShadowProxyHost.Build([], builder => builder.AddInMemoryCollection(configuration), services);
        await app.StartAsync();
        return new TestProxy(app);
    }

    public async ValueTask DisposeAsync()
    {
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
    }
}
