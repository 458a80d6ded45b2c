using ShadowProxy.Configuration;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Migrations;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace ShadowProxy.Proxy;

/// <summary>
/// The YARP routes and clusters the migrations need beyond the proxy's own configuration: a route for each route given
/// by <c>Path</c> (tagged with the migration name, pointing at the legacy cluster), and a single-destination cluster
/// for each backend given by <c>Address</c>. Routes given by <c>RouteId</c> and backends given by <c>ClusterId</c> are
/// the configuration's own (<see cref="MigrationRouteFilter"/> tags such routes). The data path reassigns a request to
/// the candidate cluster per request; routes and clusters themselves never change per request.
/// </summary>
internal static class MigrationProxyConfig
{
    /// <summary>Migration routes win over ordinary <c>ReverseProxy</c> routes that match the same path.</summary>
    private const int RouteOrder = -1000;

    /// <summary>Marks routes whose migration fails over, so that only they carry the failover transform.</summary>
    public const string FailoverMetadataKey = "ShadowProxy.Failover";

    public static IReadOnlyList<RouteConfig> Routes(ShadowProxyOptions options) =>
        options.Migrations.SelectMany(migration => migration.Routes
            .Select((route, index) => (route, index))
            .Where(r => r.route.RouteId is null)
            .Select(r => new RouteConfig
            {
                RouteId = $"{ConfigValidator.GeneratedIdPrefix}{migration.Name}.{r.index}",
                ClusterId = LegacyClusterId(migration),
                Order = RouteOrder,
                Match = new RouteMatch
                {
                    Path = r.route.Path,
                    Methods = r.route.Methods,
                    Hosts = r.route.Hosts,
                    Headers = r.route.Headers?.Select(h => new RouteHeader
                    {
                        Name = h.Name,
                        Values = h.Values,
                        Mode = h.Values is { Count: > 0 } ? HeaderMatchMode.ExactHeader : HeaderMatchMode.Exists,
                    }).ToList(),
                },
                Metadata = RouteMetadata(migration, metadata: null),
            })).ToList();

    public static IReadOnlyList<ClusterConfig> Clusters(ShadowProxyOptions options) =>
        options.Migrations.SelectMany(migration => new[] { ("legacy", migration.Legacy), ("candidate", migration.Candidate) }
            .Where(b => b.Item2?.Address is not null)
            .Select(b => Cluster(migration.Name, b.Item1, b.Item2!))).ToList();

    /// <summary>The cluster a migration's routes point at: <c>Legacy:ClusterId</c>, or the one generated for <c>Legacy:Address</c>.</summary>
    public static string LegacyClusterId(MigrationOptions migration) =>
        migration.Legacy.ClusterId ?? MigrationRuntime.ClusterIdFor(migration.Name, "legacy");

    /// <summary><paramref name="metadata"/> (a route's own, or none) with the tags of a route of <paramref name="migration"/>.</summary>
    public static Dictionary<string, string> RouteMetadata(MigrationOptions migration, IReadOnlyDictionary<string, string>? metadata)
    {
        var tagged = metadata is null ? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) : new Dictionary<string, string>(metadata, StringComparer.OrdinalIgnoreCase);
        tagged[MigrationRegistry.RouteMetadataKey] = migration.Name;
        if (migration.Failover.Enabled)
        {
            tagged[FailoverMetadataKey] = "true";
        }
        else
        {
            tagged.Remove(FailoverMetadataKey);
        }

        return tagged;
    }

    private static ClusterConfig Cluster(string migration, string backend, BackendOptions options) => new()
    {
        ClusterId = MigrationRuntime.ClusterIdFor(migration, backend),
        Destinations = new Dictionary<string, DestinationConfig>
        {
            [backend] = new() { Address = options.Address!.ToString() },
        },
        HttpRequest = new ForwarderRequestConfig { ActivityTimeout = options.Timeout ?? BackendOptions.DefaultTimeout },
        Metadata = new Dictionary<string, string> { [MigrationRegistry.RouteMetadataKey] = migration },
    };
}
