using System.Text.Json;
using Microsoft.Extensions.Primitives;
using ShadowProxy.Configuration;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Health;
using ShadowProxy.Metrics;
using ShadowProxy.Migrations;
using ShadowProxy.Proxy;
using Yarp.ReverseProxy.Configuration;

namespace ShadowProxy.Setup;

/// <summary>
/// Live configuration reload: when the host's configuration changes (the standalone proxy's configuration
/// file, or any source of a host's own configuration), the <c>ShadowProxy</c> section is read and validated exactly
/// as at start-up. A valid edit is applied without a restart (migrations' options, new and removed
/// migrations, their routes); an invalid one is rejected with every offending key logged, the last
/// good configuration stays in force, and <c>/readyz</c> says the file is invalid until it is fixed.
/// Listeners, admin keys, the store, limits and notifications need a restart: a change to them is logged, not applied.
/// </summary>
internal sealed partial class ConfigReloader(
    IConfigurationSection section,
    bool standalone,
    ShadowProxyOptions startup,
    MigrationRegistry registry,
    MigrationController controller,
    [FromKeyedServices(ConfigReloader.GeneratedConfigKey)] InMemoryConfigProvider proxyConfig,
    MigrationRouteFilter routeFilter,
    MigrationReferences references,
    ReadinessState readiness,
    ProxyMetrics metrics,
    ILogger<ConfigReloader> logger) : BackgroundService
{
    /// <summary>Editors and file watchers raise several events per save: wait for them to settle.</summary>
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);

    /// <summary>The service key of the provider of the migrations' generated routes and clusters.</summary>
    public const string GeneratedConfigKey = "ShadowProxy.Migrations";

    private ShadowProxyOptions _current = startup;

    /// <summary>
    /// Checks, before the proxy serves, that the clusters and routes the migrations name are in YARP's configuration as
    /// loaded (<see cref="MigrationReferences"/>): they may come from any of its sources, so only the loaded state can
    /// tell. An unknown one fails the start with <see cref="InvalidConfigurationException"/>, naming the key.
    /// </summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (references.Check(_current, section.Path) is { Count: > 0 } errors)
        {
            throw new InvalidConfigurationException(errors);
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var changed = new SemaphoreSlim(0, 1);
        using var subscription = ChangeToken.OnChange(section.GetReloadToken, () =>
        {
            if (changed.CurrentCount == 0)
            {
                changed.Release();
            }
        });
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await changed.WaitAsync(stoppingToken).ConfigureAwait(false);
                await Task.Delay(Debounce, stoppingToken).ConfigureAwait(false);
                if (changed.CurrentCount > 0)
                {
                    await changed.WaitAsync(stoppingToken).ConfigureAwait(false);
                }

                await ReloadAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Reads, validates and applies the configuration now; public for tests.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var next = ConfigReader.ReadSection(section, standalone, out var errors);
        if (next is not null && references.Check(next, section.Path) is { Count: > 0 } unknown)
        {
            (next, errors) = (null, unknown);
        }

        if (next is null)
        {
            // Named by key, never by value (docs/security.md): readyz needs no key to read, and logs travel far.
            foreach (var error in errors)
            {
                LogRejected(logger, ConfigErrorText.WithoutValue(error, section));
            }

            readiness.SetConfigurationProblem("configuration file invalid, last good configuration in force; refused: " + ConfigErrorText.Keys(errors));
            metrics.ConfigReloads.WithLabels("rejected").Inc();
            return;
        }

        WarnAboutRestartOnlyChanges(_current, next);
        foreach (var options in next.Migrations)
        {
            if (registry.TryGet(options.Name, out var runtime))
            {
                if (!SameOptions(runtime.Current.Options, options))
                {
                    await controller.ApplyOptionsAsync(runtime, options, cancellationToken).ConfigureAwait(false);
                    LogMigrationUpdated(logger, options.Name);
                }
            }
            else
            {
                await controller.AddAsync(registry.Create(options), cancellationToken).ConfigureAwait(false);
                LogMigrationAdded(logger, options.Name);
            }
        }

        // Routes last: a new migration's route only matches once its runtime is registered. The update makes YARP
        // apply its whole configuration again, the routes claimed by RouteId included.
        routeFilter.Claim(next);
        proxyConfig.Update(MigrationProxyConfig.Routes(next), MigrationProxyConfig.Clusters(next));
        foreach (var removed in registry.All.Where(m => !next.Migrations.Any(n => n.Name.Equals(m.Name, StringComparison.OrdinalIgnoreCase))).ToList())
        {
            registry.Remove(removed.Name);
            LogMigrationRemoved(logger, removed.Name);
        }

        _current = next with { Listen = _current.Listen, Admin = _current.Admin, Store = _current.Store, Limits = _current.Limits, Tls = _current.Tls, Notifications = _current.Notifications };
        readiness.SetConfigurationProblem(null);
        metrics.ConfigReloads.WithLabels("applied").Inc();
        LogApplied(logger, next.Migrations.Count);
    }

    // Records hold lists, which compare by reference: compare what the options say instead.
    private static bool SameOptions(MigrationOptions a, MigrationOptions b) =>
        JsonSerializer.Serialize(a) == JsonSerializer.Serialize(b);

    private void WarnAboutRestartOnlyChanges(ShadowProxyOptions current, ShadowProxyOptions next)
    {
        var root = section.Path;
        if (!current.Listen.SequenceEqual(next.Listen))
        {
            LogNeedsRestart(logger, root + ":Listen");
        }

        if (current.Admin.Listen != next.Admin.Listen || JsonSerializer.Serialize(current.Admin.ApiKeys) != JsonSerializer.Serialize(next.Admin.ApiKeys))
        {
            LogNeedsRestart(logger, root + ":Admin");
        }

        if (current.Store != next.Store)
        {
            LogNeedsRestart(logger, root + ":Store");
        }

        if (current.Limits != next.Limits || current.Tls != next.Tls)
        {
            LogNeedsRestart(logger, root + ":Limits/Tls");
        }

        if (JsonSerializer.Serialize(current.Notifications) != JsonSerializer.Serialize(next.Notifications))
        {
            LogNeedsRestart(logger, root + ":Notifications");
        }
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Error, Message = "Configuration reload rejected, the last good configuration stays in force: {Error}")]
    private static partial void LogRejected(ILogger logger, string error);

    [LoggerMessage(EventId = 41, Level = LogLevel.Information, Message = "Configuration reloaded: {Count} migration(s) in force")]
    private static partial void LogApplied(ILogger logger, int count);

    [LoggerMessage(EventId = 42, Level = LogLevel.Information, Message = "Configuration reload: migration {Migration} updated")]
    private static partial void LogMigrationUpdated(ILogger logger, string migration);

    [LoggerMessage(EventId = 43, Level = LogLevel.Information, Message = "Configuration reload: migration {Migration} added")]
    private static partial void LogMigrationAdded(ILogger logger, string migration);

    [LoggerMessage(EventId = 44, Level = LogLevel.Warning, Message = "Configuration reload: migration {Migration} removed; its routes no longer match")]
    private static partial void LogMigrationRemoved(ILogger logger, string migration);

    [LoggerMessage(EventId = 45, Level = LogLevel.Warning, Message = "Configuration reload: a change to {Key} needs a restart and was not applied")]
    private static partial void LogNeedsRestart(ILogger logger, string key);
}
