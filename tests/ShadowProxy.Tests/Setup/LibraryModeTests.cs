using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ShadowProxy.Core.Endpoints;
using ShadowProxy.Health;
using ShadowProxy.Migrations;
using ShadowProxy.Tests.Infrastructure;
using Yarp.ReverseProxy.Configuration;

namespace ShadowProxy.Tests.Setup;

/// <summary>
/// ShadowProxy as a library in a YARP application of its own (SPEC §12): the host's routes keep working beside
/// a migration, whose requests are shadowed and compared, with only the public calls; the section follows the
/// host's configuration as it changes.
/// </summary>
public sealed class LibraryModeTests
{
    [Fact]
    public async Task A_yarp_app_with_AddShadowMigrations_shadows_a_migrated_route_and_keeps_its_own()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        await using var other = await TestBackend.StartAsync("other");
        await using var app = await StartAsync(ApplicationConfig(legacy, candidate), other);
        using var client = new HttpClient { BaseAddress = Address(app) };

        var migrated = await client.GetStringAsync("/api/orders/7");
        var own = await client.GetStringAsync("/other/x");

        Assert.Contains("\"backend\":\"legacy\"", migrated, StringComparison.Ordinal);
        Assert.Contains("\"backend\":\"other\"", own, StringComparison.Ordinal);
        await Eventually.True(() => candidate.Requests.Any(r => r.IsShadow && r.Path == "/api/orders/7"), "the candidate got the shadow copy");
        var report = app.Services.GetRequiredService<EndpointReport>();
        await Eventually.True(() => report.Rows("orders").Sum(r => r.Comparisons) == 1, "the pair was compared");
        Assert.True(report.Rows("orders").Single().Diffs == 1, "legacy and candidate answer differently");
        Assert.DoesNotContain(other.Requests, r => r.IsShadow);
    }

    [Fact]
    public async Task The_section_reloads_with_the_hosts_configuration_and_an_invalid_change_is_refused_whole()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        await using var other = await TestBackend.StartAsync("other");
        await using var app = await StartAsync(ApplicationConfig(legacy, candidate), other);
        var configuration = (IConfigurationRoot)app.Services.GetRequiredService<IConfiguration>();
        var registry = app.Services.GetRequiredService<MigrationRegistry>();
        var readiness = app.Services.GetRequiredService<ReadinessState>();

        configuration["ShadowProxy:Migrations:payments:Routes:0:Path"] = "/api/payments/{**rest}";
        configuration["ShadowProxy:Migrations:payments:Legacy:Address"] = legacy.Address.ToString();
        configuration.Reload();
        await Eventually.True(() => registry.TryGet("payments", out _), "the reload added the migration", TimeSpan.FromSeconds(15));

        configuration["ShadowProxy:Migrations:orders:Shadow:SamplePercent"] = "250";
        configuration["ShadowProxy:Migrations:invoices:Routes:0:Path"] = "/api/invoices/{**rest}";
        configuration["ShadowProxy:Migrations:invoices:Legacy:Address"] = legacy.Address.ToString();
        configuration.Reload();
        await Eventually.True(() => readiness.ConfigurationProblem is not null, "the invalid change was refused", TimeSpan.FromSeconds(15));

        Assert.Contains("ShadowProxy:Migrations:orders:Shadow:SamplePercent", readiness.ConfigurationProblem, StringComparison.Ordinal);
        Assert.False(registry.TryGet("invoices", out _), "nothing of a refused change applies");
        Assert.True(registry.TryGet("orders", out var orders) && orders.Current.Options.Shadow.SamplePercent == 100);
    }

    [Fact]
    public void The_executables_listener_keys_are_refused_in_an_application()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(TestProxy.MigrationConfig("orders", new Uri("http://127.0.0.1:9001"), new Uri("http://127.0.0.1:9002")))
            .Build();

        var refused = Assert.Throws<InvalidConfigurationException>(() => new ServiceCollection().AddReverseProxy().AddShadowMigrations(configuration.GetSection("ShadowProxy")));

        Assert.Equal(["ShadowProxy:Listen", "ShadowProxy:Admin:Listen"], refused.Errors.Select(e => e.Key));
    }

    [Fact]
    public void The_exceptions_message_names_the_key_and_not_the_text_value_a_host_would_log()
    {
        var config = TestProxy.MigrationConfig("orders", new Uri("http://127.0.0.1:9001"), new Uri("http://127.0.0.1:9002"));
        config.Remove("ShadowProxy:Listen:0");
        config.Remove("ShadowProxy:Admin:Listen");
        config["ShadowProxy:Migrations:orders:Endpoints:Templates:0"] = "s3cr3t-looking";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(config).Build();

        var refused = Assert.Throws<InvalidConfigurationException>(() => new ServiceCollection().AddReverseProxy().AddShadowMigrations(configuration.GetSection("ShadowProxy")));

        Assert.Contains("ShadowProxy:Migrations:orders:Endpoints:Templates[0]", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-looking", refused.Message, StringComparison.Ordinal);
        Assert.Contains(refused.Errors, e => e.Message.Contains("s3cr3t-looking", StringComparison.Ordinal));
    }

    private static Dictionary<string, string?> ApplicationConfig(TestBackend legacy, TestBackend candidate)
    {
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address, "/api/orders/{**rest}");
        config.Remove("ShadowProxy:Listen:0");
        config.Remove("ShadowProxy:Admin:Listen");
        return config;
    }

    /// <summary>An application of its own: Kestrel on 127.0.0.1, a YARP route in code, the library's calls.</summary>
    private static async Task<WebApplication> StartAsync(Dictionary<string, string?> config, TestBackend other)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Configuration.AddInMemoryCollection(config);
        builder.Services.AddReverseProxy()
            .LoadFromMemory(
                [new RouteConfig { RouteId = "other", ClusterId = "other", Match = new RouteMatch { Path = "/other/{**rest}" } }],
                [new ClusterConfig { ClusterId = "other", Destinations = new Dictionary<string, DestinationConfig> { ["one"] = new() { Address = other.Address.ToString() } } }])
            .AddShadowMigrations(builder.Configuration.GetSection("ShadowProxy"));
        var app = builder.Build();
        app.MapReverseProxy(proxy => proxy.UseShadowMigrations());
        await app.StartAsync();
        return app;
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
}
