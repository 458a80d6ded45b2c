using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ShadowProxy.Core.Endpoints;
using ShadowProxy.Tests.Infrastructure;
using Yarp.ReverseProxy.Configuration;

namespace ShadowProxy.Tests.Setup;

/// <summary>
/// ShadowProxy as a library in a YARP application of its own (SPEC §12): the host's routes keep working beside
/// a migration, whose requests are shadowed and compared, with only the three public calls.
/// </summary>
public sealed class LibraryModeTests
{
    [Fact]
    public async Task A_yarp_app_with_AddShadowMigrations_shadows_a_migrated_route_and_keeps_its_own()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        await using var other = await TestBackend.StartAsync("other");
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address, "/api/orders/{**rest}");
        config.Remove("ShadowProxy:Listen:0");
        config.Remove("ShadowProxy:Admin:Listen");

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Configuration.AddInMemoryCollection(config);
        builder.Services.AddReverseProxy()
            .LoadFromMemory(
                [new RouteConfig { RouteId = "other", ClusterId = "other", Match = new RouteMatch { Path = "/other/{**rest}" } }],
                [new ClusterConfig { ClusterId = "other", Destinations = new Dictionary<string, DestinationConfig> { ["one"] = new() { Address = other.Address.ToString() } } }])
            .AddShadowMigrations(builder.Configuration.GetSection("ShadowProxy"));
        await using var app = builder.Build();
        app.MapReverseProxy(proxy => proxy.UseShadowMigrations());
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        using var client = new HttpClient { BaseAddress = address };

        var migrated = await client.GetStringAsync("/api/orders/7");
        var own = await client.GetStringAsync("/other/x");

        Assert.Contains("\"backend\":\"legacy\"", migrated, StringComparison.Ordinal);
        Assert.Contains("\"backend\":\"other\"", own, StringComparison.Ordinal);
        await Eventually.True(() => candidate.Requests.Any(r => r.IsShadow && r.Path == "/api/orders/7"), "the candidate got the shadow copy");
        var report = app.Services.GetRequiredService<EndpointReport>();
        await Eventually.True(() => report.Rows("orders").Sum(r => r.Comparisons) == 1, "the pair was compared");
        Assert.True(report.Rows("orders").Single().Diffs == 1, "legacy and candidate answer differently");
        await app.StopAsync();
    }
}
