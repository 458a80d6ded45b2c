using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ShadowProxy.Hosting;

namespace ShadowProxy.Tests.Observability;

/// <summary>
/// A ShadowProxy host on real Kestrel listeners, like <see cref="Infrastructure.TestProxy"/>, with the
/// service registration hook of <see cref="ShadowProxyHost.Build"/> open to the test (for an in-memory
/// trace exporter).
/// </summary>
public sealed class ObservedProxy : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ObservedProxy(WebApplication app)
    {
        _app = app;
        var listeners = app.Services.GetRequiredService<ListenerMap>();
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = listeners.ProxyAddresses[0], Timeout = TimeSpan.FromSeconds(30) };
        Admin = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = listeners.AdminAddresses[0], Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Client { get; }

    public HttpClient Admin { get; }

    public static async Task<ObservedProxy> StartAsync(IDictionary<string, string?> configuration, Action<IServiceCollection>? services = null)
    {
        var app = ShadowProxyHost.Build([], builder => builder.AddInMemoryCollection(configuration), services);
        await app.StartAsync();
        return new ObservedProxy(app);
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
