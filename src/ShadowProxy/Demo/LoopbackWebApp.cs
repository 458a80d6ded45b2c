using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace ShadowProxy.Demo;

/// <summary>
/// A small in-process Kestrel app on 127.0.0.1 with an OS-chosen port, isolated from the host:
/// it reads no appsettings or ASPNETCORE_* variables and does not react to Ctrl+C itself.
/// </summary>
internal sealed class LoopbackWebApp : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly WebApplication _app;

    private LoopbackWebApp(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Base address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Address { get; }

    /// <param name="map">Adds middleware and endpoints.</param>
    /// <param name="loggerFactory">Receives the app's warnings and errors, under <paramref name="category"/>; null drops them.</param>
    public static async Task<LoopbackWebApp> StartAsync(
        Action<WebApplication> map, ILoggerFactory? loggerFactory, string category, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(map);

        // The empty builder keeps the host's configuration (Kestrel endpoints above all) out of the demo apps.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(LoopbackWebApp).Assembly.GetName().Name,
        });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        builder.Services.AddRoutingCore();

        // The host owns SIGTERM; a console lifetime here would stop the app before the proxy has drained.
        builder.Services.AddSingleton<IHostLifetime, PassiveHostLifetime>();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (loggerFactory is not null)
        {
            builder.Logging.AddProvider(new ForwardingLoggerProvider(loggerFactory, category));
        }

        var app = builder.Build();
        try
        {
            map(app);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>();
            return new LoopbackWebApp(app, new Uri(addresses.Addresses.First() + "/"));
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(StopTimeout))
        {
            try
            {
                await _app.StopAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Connections that did not close in time are aborted by DisposeAsync below.
            }
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class PassiveHostLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class ForwardingLoggerProvider(ILoggerFactory target, string category) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => target.CreateLogger(category + "." + categoryName);

        public void Dispose()
        {
            // The target factory belongs to the host.
        }
    }
}
