using Microsoft.Extensions.DependencyInjection.Extensions;
using ShadowProxy;
using ShadowProxy.Admin;
using ShadowProxy.Comparison;
using ShadowProxy.Configuration;
using ShadowProxy.Core.Storage;
using ShadowProxy.Health;
using ShadowProxy.Metrics;
using ShadowProxy.Migrations;
using ShadowProxy.Notifications;
using ShadowProxy.Proxy;
using ShadowProxy.Replay;
using ShadowProxy.Setup;
using ShadowProxy.Signal;
using Yarp.ReverseProxy.Configuration;

#pragma warning disable IDE0130 // Beside YARP's own AddReverseProxy, where a host looks for it.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Adds ShadowProxy's migrations to a YARP reverse proxy.</summary>
public static class ShadowMigrationsBuilderExtensions
{
    /// <summary>
    /// Adds ShadowProxy to the reverse proxy: the migrations of <paramref name="shadowProxySection"/> (their routes
    /// and clusters join the proxy's configuration), shadowing and comparison, the ramp, the store, metrics and the
    /// services of the admin API. The section is validated now, and again on each change of the host's
    /// configuration: a valid change is applied without a restart, an invalid one is refused whole and the last
    /// good configuration stays in force. Complete the pipeline with
    /// <c>app.MapReverseProxy(proxy =&gt; proxy.UseShadowMigrations())</c>.
    /// </summary>
    /// <param name="builder">The builder <c>AddReverseProxy()</c> returned.</param>
    /// <param name="shadowProxySection">The <c>ShadowProxy</c> section, e.g. <c>builder.Configuration.GetSection("ShadowProxy")</c>.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="InvalidConfigurationException">The section is invalid; the exception names every offending key.</exception>
    public static IReverseProxyBuilder AddShadowMigrations(this IReverseProxyBuilder builder, IConfiguration shadowProxySection)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(shadowProxySection);
        if (shadowProxySection is not IConfigurationSection section)
        {
            throw new ArgumentException("Pass the ShadowProxy section (configuration.GetSection(\"ShadowProxy\")), not the whole configuration.", nameof(shadowProxySection));
        }

        var services = builder.Services;
        var standalone = services.Any(d => d.ServiceType == typeof(StandaloneExecutable));
        var options = ConfigReader.ReadSection(section, standalone, out var errors) ?? throw new InvalidConfigurationException(errors);
        if (services.Any(d => d.ServiceType == typeof(MigrationRegistry)))
        {
            throw new InvalidOperationException("AddShadowMigrations was already called on these services.");
        }

        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ProxyMetrics>();
        services.AddSingleton<OperationalMetrics>();
        services.AddSingleton<RuntimeMeterExporter>();
        services.AddSingleton<MigrationRegistry>();
        services.AddSingleton<IMigrationGaugeSource>(sp => sp.GetRequiredService<MigrationRegistry>());
        services.AddShadowProxyHealthChecks();
        services.AddShadowDataPath();
        services.AddShadowProxyAdminAuthorization();
        services.AddShadowProxyStore(options);
        services.AddSingleton<INoiseMarksChanged, NoiseMarksApplier>();
        services.AddSingleton<WebhookNotifier>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookNotifier>());
        services.AddSingleton<MigrationController>();
        services.AddHostedService(sp => sp.GetRequiredService<MigrationController>());
        services.AddHostedService(sp => ActivatorUtilities.CreateInstance<ConfigReloader>(sp, section, standalone));
        services.AddHostedService<SignalKeeper>();
        services.AddReplayCorpus();

        // Before the comparison workers: hosted services stop in reverse order, so the final flush of the
        // shared counters runs after the workers have drained their last comparisons.
        services.AddSingleton<SharedCounters>();
        services.AddHostedService(sp => sp.GetRequiredService<SharedCounters>());
        services.AddSingleton<EndpointKeeper>();
        services.AddHostedService(sp => sp.GetRequiredService<EndpointKeeper>());
        services.AddHostedService<SchemaPruner>();
        services.AddHostedService<ComparisonWorker>();
        services.AddHostedService<ShadowProxyStartup>();
        services.AddProblemDetails();
        services.AddAdminOpenApi();

        // The migrations' generated routes and clusters: a provider of their own beside the host's (YARP merges
        // every IProxyConfigProvider), which the configuration reloader updates and nothing else does.
        var generated = new InMemoryConfigProvider(MigrationProxyConfig.Routes(options), MigrationProxyConfig.Clusters(options));
        services.AddSingleton<IProxyConfigProvider>(generated);
        services.AddKeyedSingleton(ConfigReloader.GeneratedConfigKey, generated);
        builder.AddTransforms<UpstreamTransforms>()
            .AddTransforms<FailoverTransformProvider>();
        return builder;
    }
}
