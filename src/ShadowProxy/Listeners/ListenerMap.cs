using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using ShadowProxy.Configuration;

namespace ShadowProxy.Listeners;

/// <summary>
/// Which Kestrel listeners are the admin's. Requests are told apart by the local port they arrived
/// on (never by the Host header, which the client controls); ports bound as 0 are read back from
/// Kestrel once bound.
/// </summary>
internal sealed class ListenerMap
{
    private readonly List<(ListenOptions Options, ListenScheme Scheme)> _admin = [];
    private readonly List<(ListenOptions Options, ListenScheme Scheme)> _proxy = [];

    public void AddAdmin(ListenOptions options, ListenScheme scheme = ListenScheme.Http) => _admin.Add((options, scheme));

    public void AddProxy(ListenOptions options, ListenScheme scheme) => _proxy.Add((options, scheme));

    public bool IsAdmin(HttpContext context)
    {
        var port = context.Connection.LocalPort;
        foreach (var listener in _admin)
        {
            if (listener.Options.IPEndPoint?.Port == port)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Bound proxy addresses; h2c listeners show as http:// (clients then ask for HTTP/2 by version).</summary>
    public IReadOnlyList<Uri> ProxyAddresses => _proxy.Select(p => Address(p.Options, p.Scheme)).ToList();

    public IReadOnlyList<Uri> AdminAddresses => _admin.Select(a => Address(a.Options, a.Scheme)).ToList();

    private static Uri Address(ListenOptions options, ListenScheme listenScheme)
    {
        var endpoint = options.IPEndPoint!;
        var scheme = listenScheme == ListenScheme.Https ? "https" : "http";
        var host = endpoint.Address.Equals(IPAddress.Any) ? "127.0.0.1"
            : endpoint.Address.Equals(IPAddress.IPv6Any) ? "[::1]"
            : endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]"
            : endpoint.Address.ToString();
        return new Uri($"{scheme}://{host}:{endpoint.Port}/");
    }
}
