using ShadowProxy.Configuration;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Migrations;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace ShadowProxy.Proxy;

/// <summary>
/// Turns each migration into YARP routes (tagged with the migration name, pointing at the legacy
/// cluster) and two single-destination clusters. The data path reassigns a request to the candidate
/// cluster per request; routes and clusters themselves never change per request.
/// </summary>
internal static class MigrationProxyConfig
{
    /// <summary>Migration routes win over ordinary <c>ReverseProxy</c> routes that match the same path.</summary>
    private const int RouteOrder = -1000;

    public static IReadOnlyList<RouteConfig> Routes(ShadowProxyOptions options) =>
        options.Migrations.SelectMany(migration => migration.Routes.Select((route, index) => new RouteConfig
        {
            RouteId = $"shadowproxy.{migration.Name}.{index}",
            ClusterId = MigrationRuntime.ClusterIdFor(migration.Name, "legacy"),
            Order = RouteOrder,
            Match = new RouteMatch
            {
                Path = route.Path,
                Methods = route.Methods,
                Hosts = route.Hosts,
                Headers = route.Headers?.Select(h => new RouteHeader
                {
                    Name = h.Name,
                    Values = h.Values,
                    Mode = h.Values is { Count: > 0 } ? HeaderMatchMode.ExactHeader : HeaderMatchMode.Exists,
                }).ToList(),
            },
            Metadata = RouteMetadata(migration),
        })).ToList();

    /// <summary>Marks routes whose migration fails over, so that only they carry the failover transform.</summary>
    public const string FailoverMetadataKey = "ShadowProxy.Failover";

    private static Dictionary<string, string> RouteMetadata(MigrationOptions migration)
    {
        var metadata = new Dictionary<string, string> { [MigrationRegistry.RouteMetadataKey] = migration.Name };
        if (migration.Failover.Enabled)
        {
            metadata[FailoverMetadataKey] = "true";
        }

        return metadata;
    }

    public static IReadOnlyList<ClusterConfig> Clusters(ShadowProxyOptions options) =>
        options.Migrations.SelectMany(migration => migration.Candidate is { } candidate
            ? new[] { Cluster(migration.Name, "legacy", migration.Legacy), Cluster(migration.Name, "candidate", candidate) }
            : [Cluster(migration.Name, "legacy", migration.Legacy)]).ToList();

    private static ClusterConfig Cluster(string migration, string backend, BackendOptions options) => new()
    {
        ClusterId = MigrationRuntime.ClusterIdFor(migration, backend),
        Destinations = new Dictionary<string, DestinationConfig>
        {
            [backend] = new() { Address = options.Address.ToString() },
        },
        HttpRequest = new ForwarderRequestConfig { ActivityTimeout = options.Timeout },
        Metadata = new Dictionary<string, string> { [MigrationRegistry.RouteMetadataKey] = migration },
    };
}
