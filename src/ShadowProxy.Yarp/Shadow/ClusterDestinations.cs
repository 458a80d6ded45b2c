using System.Collections.Frozen;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace ShadowProxy.Shadow;

/// <summary>Picks a destination of a YARP cluster as YARP's load-balancing step does: by the cluster's policy (default PowerOfTwoChoices) among its available destinations.</summary>
internal sealed class ClusterDestinations(IEnumerable<ILoadBalancingPolicy> policies)
{
    private readonly FrozenDictionary<string, ILoadBalancingPolicy> _policies = policies.ToFrozenDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>A destination of <paramref name="cluster"/>, or null when none is available (all unhealthy, or none configured).</summary>
    public DestinationState? Pick(HttpContext context, ClusterState cluster)
    {
        var available = cluster.DestinationsState.AvailableDestinations;
        return available.Count switch
        {
            0 => null,
            1 => available[0],
            _ => Policy(cluster.Model.Config.LoadBalancingPolicy).PickDestination(context, cluster, available),
        };
    }

    // YARP refuses a cluster naming an unknown policy, so the fallback is only ever the default.
    private ILoadBalancingPolicy Policy(string? name) =>
        _policies.GetValueOrDefault(name ?? LoadBalancingPolicies.PowerOfTwoChoices) ?? _policies[LoadBalancingPolicies.PowerOfTwoChoices];
}
