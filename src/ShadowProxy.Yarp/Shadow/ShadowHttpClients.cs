using System.Collections.Concurrent;
using System.Net.Sockets;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace ShadowProxy.Shadow;

/// <summary>
/// The shadow's own connection pools, apart from the primary's so that a slow shadow backend can never take the
/// connections live traffic needs. Each is made by YARP's own <see cref="ForwarderHttpClientFactory"/> from a
/// cluster's <see cref="HttpClientConfig"/> (for a backend given by address, the empty one): no proxy, no redirects,
/// no cookies, no automatic decompression (the diff engine decodes), and the cluster's TLS, certificate, encoding and
/// proxy settings; its connections per server are capped by the shadow's own <c>MaxInFlight</c>. Every connection
/// attempt is counted per backend (<see cref="ConnectionOpenLimiter"/>).
/// </summary>
internal sealed class ShadowHttpClients : IDisposable
{
    private readonly ConcurrentDictionary<(HttpClientConfig Config, int MaxConnections), HttpMessageInvoker> _clients = new();
    private readonly ConcurrentDictionary<(string Host, int Port), ConnectionOpenLimiter> _limiters = new();
    private readonly TimeProvider _time;
    private readonly Factory _factory;

    public ShadowHttpClients(TimeProvider time)
    {
        _time = time;
        _factory = new Factory(this);
    }

    /// <summary>An invoker with <paramref name="config"/>'s settings whose pool holds at most <paramref name="maxConnections"/> connections per server.</summary>
    public HttpMessageInvoker Get(HttpClientConfig config, int maxConnections) =>
        _clients.GetOrAdd((config, Math.Max(1, maxConnections)), static (key, factory) => factory.Create(key.Config, key.MaxConnections), _factory);

    /// <summary>The connection count of the backend at <paramref name="address"/> (shared by every migration that shadows to it).</summary>
    public ConnectionOpenLimiter LimiterFor(Uri address) => LimiterFor(address.IdnHost, address.Port);

    private ConnectionOpenLimiter LimiterFor(string host, int port) =>
        _limiters.GetOrAdd((host, port), static (_, time) => new ConnectionOpenLimiter(time), _time);

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
        foreach (var invoker in _clients.Values)
        {
            invoker.Dispose();
        }
    }

    /// <summary>YARP's client factory, with the shadow's connection counting, cap and shorter timeouts.</summary>
    private sealed class Factory(ShadowHttpClients owner) : ForwarderHttpClientFactory
    {
        public HttpMessageInvoker Create(HttpClientConfig config, int maxConnections) => CreateClient(new ForwarderHttpClientContext
        {
            ClusterId = "shadow",
            OldConfig = HttpClientConfig.Empty,
            NewConfig = config with { MaxConnectionsPerServer = Math.Min(config.MaxConnectionsPerServer ?? int.MaxValue, maxConnections) },
        });

        protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
        {
            base.ConfigureHandler(context, handler);
            handler.ConnectCallback = owner.ConnectAsync;
            handler.PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1);
            handler.ConnectTimeout = TimeSpan.FromSeconds(5);
        }
    }
}
