using ShadowProxy.Configuration;
using ShadowProxy.Core.Configuration;
using Yarp.ReverseProxy;

namespace ShadowProxy.Proxy;

/// <summary>
/// Checks that the clusters and routes migrations name (<c>ClusterId</c>, <c>RouteId</c>) are in the proxy's YARP
/// configuration as YARP has loaded it: whatever its sources (the <c>ReverseProxy</c> section, routes and clusters a
/// host adds in code), so one check serves the standalone proxy and a host's own YARP application alike.
/// </summary>
internal sealed class MigrationReferences(IProxyStateLookup proxyState)
{
    /// <summary>The references of <paramref name="options"/> (the section at <paramref name="sectionPath"/>) that YARP does not know, named by key.</summary>
    public IReadOnlyList<ConfigError> Check(ShadowProxyOptions options, string sectionPath) =>
        ConfigValidator.ValidateReferences(
            options.Migrations,
            $"{sectionPath}:{nameof(ShadowProxyOptions.Migrations)}",
            hasCluster: id => proxyState.TryGetCluster(id, out _),
            hasRoute: id => proxyState.TryGetRoute(id, out _));
}
