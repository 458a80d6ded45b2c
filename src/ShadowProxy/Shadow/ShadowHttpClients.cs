using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Yarp.ReverseProxy.Forwarder;

namespace ShadowProxy.Shadow;

/// <summary>
/// The shadow's own connection pools, apart from the primary's so that a slow shadow backend can
/// never take the connections live traffic needs. Settings follow YARP's forwarder client: no proxy,
/// no redirects, no cookies, no automatic decompression (the diff engine decodes), capped connections.
/// </summary>
internal sealed class ShadowHttpClients : IDisposable
{
    private readonly ConcurrentDictionary<int, HttpMessageInvoker> _byMaxConnections = new();

    /// <summary>An invoker whose pool holds at most <paramref name="maxConnections"/> connections per server.</summary>
    public HttpMessageInvoker Get(int maxConnections) => _byMaxConnections.GetOrAdd(Math.Max(1, maxConnections), Create);

    private static HttpMessageInvoker Create(int maxConnections) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        MaxConnectionsPerServer = maxConnections,
        EnableMultipleHttp2Connections = true,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        ConnectTimeout = TimeSpan.FromSeconds(5),
        ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
    }, disposeHandler: true);

    public void Dispose()
    {
        foreach (var invoker in _byMaxConnections.Values)
        {
            invoker.Dispose();
        }
    }
}
