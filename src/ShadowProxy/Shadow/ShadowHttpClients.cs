using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Yarp.ReverseProxy.Forwarder;

namespace ShadowProxy.Shadow;

/// <summary>
/// The shadow's own connection pools, apart from the primary's so that a slow shadow backend can
/// never take the connections live traffic needs. Settings follow YARP's forwarder client: no proxy,
/// no redirects, no cookies, no automatic decompression (the diff engine decodes), capped connections.
/// Every connection attempt is counted per backend (<see cref="ConnectionOpenLimiter"/>).
/// </summary>
internal sealed class ShadowHttpClients(TimeProvider time) : IDisposable
{
    private readonly ConcurrentDictionary<int, HttpMessageInvoker> _byMaxConnections = new();
    private readonly ConcurrentDictionary<(string Host, int Port), ConnectionOpenLimiter> _limiters = new();

    /// <summary>An invoker whose pool holds at most <paramref name="maxConnections"/> connections per server.</summary>
    public HttpMessageInvoker Get(int maxConnections) => _byMaxConnections.GetOrAdd(Math.Max(1, maxConnections), Create);

    /// <summary>The connection count of the backend at <paramref name="address"/> (shared by every migration that shadows to it).</summary>
    public ConnectionOpenLimiter LimiterFor(Uri address) => LimiterFor(address.IdnHost, address.Port);

    private ConnectionOpenLimiter LimiterFor(string host, int port) =>
        _limiters.GetOrAdd((host, port), static (_, time) => new ConnectionOpenLimiter(time), time);

    private HttpMessageInvoker Create(int maxConnections) => new(new SocketsHttpHandler
    {
        ConnectCallback = ConnectAsync,
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

    // What SocketsHttpHandler does by default, counted first: a refused connection costs a round trip too.
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        LimiterFor(context.DnsEndPoint.Host, context.DnsEndPoint.Port).OnOpening();
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var invoker in _byMaxConnections.Values)
        {
            invoker.Dispose();
        }
    }
}
