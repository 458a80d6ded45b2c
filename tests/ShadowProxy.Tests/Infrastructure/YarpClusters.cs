using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy;

namespace ShadowProxy.Tests.Infrastructure;

/// <summary>
/// A <c>ReverseProxy</c> section for tests, as flat configuration keys (the keys YARP documents), and what tests of
/// migrations on YARP clusters (SPEC §12) wait for and answer with.
/// </summary>
public static class YarpClusters
{
    /// <summary>The path of the active health probes <see cref="AddCluster"/> sets up.</summary>
    public const string HealthPath = "/health";

    /// <summary>
    /// A cluster with one destination per address (named d0, d1...), <paramref name="loadBalancing"/>, and with
    /// <paramref name="healthChecks"/> active health checks every second that mark a destination unhealthy at its
    /// first failed probe of <see cref="HealthPath"/> and leave a cluster with none available when none is healthy.
    /// </summary>
    public static void AddCluster(IDictionary<string, string?> config, string clusterId, IReadOnlyList<Uri> destinations, string loadBalancing = "RoundRobin", bool healthChecks = false)
    {
        var prefix = $"ReverseProxy:Clusters:{clusterId}:";
        config[prefix + "LoadBalancingPolicy"] = loadBalancing;
        for (var i = 0; i < destinations.Count; i++)
        {
            config[$"{prefix}Destinations:d{i}:Address"] = destinations[i].ToString();
        }

        if (healthChecks)
        {
            config[prefix + "HealthCheck:Active:Enabled"] = "true";
            config[prefix + "HealthCheck:Active:Interval"] = "00:00:01";
            config[prefix + "HealthCheck:Active:Timeout"] = "00:00:01";
            config[prefix + "HealthCheck:Active:Policy"] = "ConsecutiveFailures";
            config[prefix + "HealthCheck:Active:Path"] = HealthPath;
            config[prefix + "Metadata:ConsecutiveFailuresHealthPolicy.Threshold"] = "1";
            // Not YARP's default HealthyOrPanic, which makes every destination available again once none is healthy.
            config[prefix + "HealthCheck:AvailableDestinationsPolicy"] = "HealthyAndUnknown";
        }
    }

    /// <summary>A route of <paramref name="clusterId"/> matching <paramref name="path"/>; transforms and policies are the test's to add.</summary>
    public static void AddRoute(IDictionary<string, string?> config, string routeId, string clusterId, string path)
    {
        config[$"ReverseProxy:Routes:{routeId}:ClusterId"] = clusterId;
        config[$"ReverseProxy:Routes:{routeId}:Match:Path"] = path;
    }

    /// <summary>Waits until YARP's loaded state has exactly <paramref name="expected"/> as the cluster's available destinations.</summary>
    public static async Task WaitForAvailableAsync(IServiceProvider services, string clusterId, params Uri[] expected)
    {
        var lookup = services.GetRequiredService<IProxyStateLookup>();
        var wanted = expected.Select(a => a.ToString()).Order(StringComparer.Ordinal).ToList();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!(lookup.TryGetCluster(clusterId, out var cluster)
            && cluster.DestinationsState.AvailableDestinations.Select(d => d.Model.Config.Address).Order(StringComparer.Ordinal).SequenceEqual(wanted)))
        {
            if (DateTime.UtcNow > deadline)
            {
                var states = cluster is null ? "no such cluster" : string.Join(", ", cluster.Destinations.Values.Select(d => $"{d.Model.Config.Address}: active {d.Health.Active}, passive {d.Health.Passive}"));
                Assert.Fail($"Timed out waiting until the health checks leave {clusterId} with [{string.Join(", ", wanted)}] available; destinations: {states}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Answers what it was asked, so that two backends given the same upstream request answer the same.</summary>
    public static Task Echo(HttpContext context)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync($$"""{"path":"{{context.Request.Path}}","gateway":"{{context.Request.Headers["X-Gateway"]}}"}""");
    }

    /// <summary>Like <see cref="Echo"/>, but fails its health probes: a destination health checks take out of rotation, that still records what reaches it.</summary>
    public static Task Sick(HttpContext context)
    {
        if (context.Request.Path == HealthPath)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        }

        return Echo(context);
    }

    /// <summary>The requests a backend got besides health probes.</summary>
    public static List<ReceivedRequest> Traffic(this TestBackend backend) =>
        backend.Requests.Where(r => r.Path != HealthPath).ToList();
}
