using System.Collections.Frozen;
using ShadowProxy.Configuration;
using ShadowProxy.Core.Configuration;
using Yarp.ReverseProxy.Configuration;

namespace ShadowProxy.Proxy;

/// <summary>
/// Makes the routes that migrations name by <c>RouteId</c> their migration routes, as YARP loads its configuration:
/// such a route gets the tags of a generated route (the migration's name, and the failover mark) and points at the
/// legacy cluster; its match, transforms, order and policies stay the route's own. The tag is how the data path,
/// the proxy's own transforms (<see cref="UpstreamTransforms"/>, <see cref="FailoverTransformProvider"/>) and tracing
/// know a migration route, with nothing looked up per request. YARP runs its filters over every route on every
/// change of any of its configuration sources, so a change on either side takes effect: the host's routes (a
/// reloaded <c>ReverseProxy</c> section) are tagged again, and a reload of the <c>ShadowProxy</c> section claims
/// routes here (<see cref="Claim"/>) before it updates the generated configuration, which makes YARP apply it all.
/// </summary>
internal sealed class MigrationRouteFilter(ShadowProxyOptions startup) : IProxyConfigFilter
{
    private FrozenDictionary<string, MigrationOptions> _claims = ClaimsOf(startup);

    /// <summary>Takes the routes <paramref name="options"/> name from the next time YARP applies its configuration.</summary>
    public void Claim(ShadowProxyOptions options) => Volatile.Write(ref _claims, ClaimsOf(options));

    public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel) => ValueTask.FromResult(cluster);

    public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel)
    {
        if (!Volatile.Read(ref _claims).TryGetValue(route.RouteId, out var migration))
        {
            return ValueTask.FromResult(route);
        }

        return ValueTask.FromResult(route with
        {
            ClusterId = MigrationProxyConfig.LegacyClusterId(migration),
            Metadata = MigrationProxyConfig.RouteMetadata(migration, route.Metadata),
        });
    }

    // Validated: a route id is claimed by one migration at most.
    private static FrozenDictionary<string, MigrationOptions> ClaimsOf(ShadowProxyOptions options) =>
        options.Migrations
            .SelectMany(migration => migration.Routes.Where(r => r.RouteId is not null).Select(r => KeyValuePair.Create(r.RouteId!, migration)))
            .ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
}
