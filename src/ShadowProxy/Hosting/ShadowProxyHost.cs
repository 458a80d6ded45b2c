using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using ShadowProxy.Configuration;
using ShadowProxy.Listeners;
using ShadowProxy.Observability;
using ShadowProxy.Setup;

namespace ShadowProxy.Hosting;

/// <summary>Builds the proxy's web host from configuration: listeners, YARP, the data path and the admin API.</summary>
internal static partial class ShadowProxyHost
{
    /// <summary>
    /// Builds (but does not start) the host. Configuration comes, later sources winning, from
    /// <c>appsettings.json</c> and <c>appsettings.{Environment}.json</c> in the current directory, then the sources
    /// <paramref name="configure"/> adds (the <c>--config</c> file, the demo's, a test's), then environment variables
    /// and the command line, which override any file as usual.
    /// </summary>
    public static WebApplication Build(string[] args, Action<IConfigurationBuilder> configure, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = Directory.GetCurrentDirectory() });
        AddConfigurationSources(builder, args, configure);

        var section = builder.Configuration.GetSection(ShadowProxyOptions.SectionName);
        var options = ConfigReader.ReadSection(section, standalone: true, out var errors) ?? throw new InvalidConfigurationException(errors);

        var listeners = new ListenerMap();
        ConfigureKestrel(builder, options, listeners);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.Limits.DrainTimeout);
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        // Hosting opens a logging scope for every request whenever its category is enabled at all;
        // it only ever logs request start/finish, which a proxy does not want. Off, the data path is
        // ~10 % faster (benchmarks/run, shadow off vs plain YARP: 0.90 → 1.00). Trace ids still reach
        // log lines through ActivityTrackingOptions.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);

        // Health checks log every probe of a degraded instance (every few seconds, per instance); the store
        // and the configuration reloader already log the change itself once, and /readyz says why.
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None);

        // The exe is a YARP host like any other: the library's three calls, the listeners around them.
        builder.Services.AddSingleton(listeners);
        builder.Services.AddSingleton<StandaloneExecutable>();
        builder.Services.AddSingleton(new AdminRequestFilter(listeners.IsAdmin));
        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddShadowMigrations(section);
        builder.Services.AddShadowProxyTelemetry(builder.Configuration);
        services?.Invoke(builder.Services);

        var app = builder.Build();
        app.MapWhen(listeners.IsAdmin, admin => admin.UseRouting().UseAuthentication().UseAuthorization().UseEndpoints(endpoints => endpoints.MapShadowProxyAdmin("")));
        // Authentication and authorization after routing, as every YARP host needs them: a ReverseProxy route's
        // AuthorizationPolicy is metadata of the endpoint routing chose.
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapReverseProxy(proxy => proxy.UseShadowMigrations());
        if (options.Admin.ApiKeys.Count == 0)
        {
            LogOpenAdmin(app.Logger, options.Admin.Listen);
        }

        return app;
    }

    /// <summary>
    /// The sources of ASP.NET Core's defaults in their order, with <paramref name="configure"/>'s after the
    /// appsettings files: an explicit file wins over a stray appsettings.json in the working directory.
    /// Every file is watched by polling (<see cref="WatchedConfigFile"/>), so a ConfigMap update is seen.
    /// </summary>
    private static void AddConfigurationSources(WebApplicationBuilder builder, string[] args, Action<IConfigurationBuilder> configure)
    {
        var configuration = builder.Configuration;
        configuration.Sources.Clear();
        var contentRoot = builder.Environment.ContentRootPath;
        configuration.AddWatchedJsonFile(Path.Combine(contentRoot, "appsettings.json"), optional: true);
        configuration.AddWatchedJsonFile(Path.Combine(contentRoot, $"appsettings.{builder.Environment.EnvironmentName}.json"), optional: true);
        configure(configuration);
        configuration.AddEnvironmentVariables();
        configuration.AddCommandLine(args);
    }

    /// <summary>Listeners and limits; the configuration is valid (<see cref="HostOptionsValidator"/>), only the certificate file may still fail to load.</summary>
    private static void ConfigureKestrel(WebApplicationBuilder builder, ShadowProxyOptions options, ListenerMap listeners)
    {
        var proxyEndpoints = options.Listen.SelectMany(url => ListenAddress.Parse(url, out var scheme).Select(endpoint => (scheme, endpoint))).ToList();
        var adminEndpoints = ListenAddress.Parse(options.Admin.Listen, out var adminScheme);
        X509Certificate2? certificate = null;
        if (proxyEndpoints.Any(e => e.scheme == ListenScheme.Https) || adminScheme == ListenScheme.Https)
        {
            certificate = LoadCertificate(options.Tls);
        }

        var limits = options.Limits;
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = limits.MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = limits.MaxRequestHeadersTotalBytes;
            kestrel.Limits.MaxRequestLineSize = limits.MaxRequestLineBytes;
            kestrel.Limits.RequestHeadersTimeout = limits.RequestHeadersTimeout;
            foreach (var (scheme, endpoint) in proxyEndpoints)
            {
                kestrel.Listen(endpoint, listen =>
                {
                    // Cleartext HTTP/2 needs prior knowledge, so h2c listeners speak only HTTP/2;
                    // https negotiates HTTP/1.1 or HTTP/2 by ALPN.
                    listen.Protocols = scheme switch
                    {
                        ListenScheme.H2c => HttpProtocols.Http2,
                        ListenScheme.Https => HttpProtocols.Http1AndHttp2,
                        _ => HttpProtocols.Http1,
                    };
                    if (scheme == ListenScheme.Https)
                    {
                        listen.UseHttps(certificate!);
                    }

                    listeners.AddProxy(listen, scheme);
                });
            }

            foreach (var endpoint in adminEndpoints)
            {
                kestrel.Listen(endpoint, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1;
                    if (adminScheme == ListenScheme.Https)
                    {
                        listen.UseHttps(certificate!);
                    }

                    listeners.AddAdmin(listen, adminScheme);
                });
            }
        });
    }

    private static X509Certificate2 LoadCertificate(TlsOptions tls)
    {
        var path = tls.CertificatePath!;
        try
        {
            return tls.KeyPath is not null
                ? X509Certificate2.CreateFromPemFile(path, tls.KeyPath)
                : X509CertificateLoader.LoadPkcs12FromFile(path, tls.Password);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidConfigurationException([new($"{ShadowProxyOptions.SectionName}:Tls:CertificatePath", $"'{path}' could not be loaded: {ex.Message}")]);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "No Admin:ApiKeys are configured: the admin API on {Listen} is open to anyone who can reach it (loopback only)")]
    private static partial void LogOpenAdmin(ILogger logger, string listen);
}
