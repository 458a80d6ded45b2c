using System.Net;
using System.Runtime.CompilerServices;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Migrations;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace ShadowProxy.Shadow;

/// <summary>
/// Where a shadow copy or a noise probe goes (docs/configuration.md#backends). A backend given by <c>Address</c>: that
/// address. A backend given by <c>ClusterId</c>: a destination of the cluster, picked as YARP's load-balancing step
/// would (the cluster's <see cref="ILoadBalancingPolicy"/>, among its available destinations, those active and passive
/// health checks let through), with the cluster's HttpRequest settings (version, version policy, activity timeout)
/// and an invoker of the shadow's own pools made from the cluster's HttpClient settings.
/// </summary>
internal sealed class ShadowTargets(ShadowHttpClients clients, ClusterDestinations destinations, IProxyStateLookup proxyState)
{
    /// <summary>The version an address backend's copies are sent with; a cluster's copies use the cluster's, or YARP's default.</summary>
    private static readonly Version AddressVersion = HttpVersion.Version11;

    private readonly ConditionalWeakTable<DestinationModel, Destination> _destinations = [];

    /// <summary>The target of the copy for <paramref name="backend"/>; false when its cluster is gone or has no available destination.</summary>
    public bool TryResolve(HttpContext context, MigrationSnapshot snapshot, Backend backend, out ShadowTarget target)
    {
        var options = snapshot.Options;
        var prefix = backend == Backend.Legacy ? snapshot.LegacyPrefix : snapshot.CandidatePrefix;
        if (prefix is not null)
        {
            var address = (backend == Backend.Legacy ? options.Legacy : options.Candidate ?? options.Legacy).Address!;
            target = Address(prefix, address, snapshot);
            return true;
        }

        return TryResolveCluster(context, snapshot, backend == Backend.Legacy ? snapshot.LegacyClusterId : snapshot.CandidateClusterId, out target);
    }

    /// <summary>The target of a noise probe: <c>Diff:NoiseProbe:Address</c>, else legacy's (its address, or a destination of its cluster).</summary>
    public bool TryResolveProbe(HttpContext context, MigrationSnapshot snapshot, out ShadowTarget target)
    {
        if (snapshot.ProbePrefix is { } prefix)
        {
            target = Address(prefix, snapshot.Options.Diff.NoiseProbe.Address ?? snapshot.Options.Legacy.Address!, snapshot);
            return true;
        }

        return TryResolveCluster(context, snapshot, snapshot.LegacyClusterId, out target);
    }

    private ShadowTarget Address(string prefix, Uri address, MigrationSnapshot snapshot)
    {
        var shadow = snapshot.Options.Shadow;
        return new(prefix, clients.LimiterFor(address), clients.Get(HttpClientConfig.Empty, shadow.MaxInFlight), AddressVersion, HttpVersionPolicy.RequestVersionOrLower, shadow.Timeout);
    }

    private bool TryResolveCluster(HttpContext context, MigrationSnapshot snapshot, string? clusterId, out ShadowTarget target)
    {
        target = default;
        if (clusterId is null || !proxyState.TryGetCluster(clusterId, out var cluster)
            || destinations.Pick(context, cluster) is not { } picked)
        {
            return false;
        }

        var destination = _destinations.GetValue(picked.Model, model => new Destination(model.Config.Address, clients));
        var config = cluster.Model.Config;
        var shadow = snapshot.Options.Shadow;
        var request = config.HttpRequest;
        target = new ShadowTarget(
            destination.Prefix,
            destination.Limiter,
            clients.Get(config.HttpClient ?? HttpClientConfig.Empty, shadow.MaxInFlight),
            request?.Version ?? HttpVersion.Version20,
            request?.VersionPolicy ?? HttpVersionPolicy.RequestVersionOrLower,
            // The shadow's Timeout bounds the whole call; a shorter activity timeout of the cluster bounds it too.
            request?.ActivityTimeout is { } activity && activity < shadow.Timeout ? activity : shadow.Timeout);
        return true;
    }

    /// <summary>What a destination's copies need, computed once per destination configuration, not per request.</summary>
    private sealed class Destination(string address, ShadowHttpClients clients)
    {
        public string Prefix { get; } = address.TrimEnd('/');

        public ConnectionOpenLimiter Limiter { get; } = clients.LimiterFor(new Uri(address));
    }
}

/// <summary>Where one copy goes and how: the URI prefix, the backend's connection count, the invoker, the HTTP version and the timeout.</summary>
internal readonly record struct ShadowTarget(
    string Prefix,
    ConnectionOpenLimiter Limiter,
    HttpMessageInvoker Invoker,
    Version Version,
    HttpVersionPolicy VersionPolicy,
    TimeSpan Timeout);
