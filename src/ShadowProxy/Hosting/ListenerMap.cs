using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ShadowProxy.Hosting;

/// <summary>
/// Which Kestrel listeners are the admin's. Requests are told apart by the local port they arrived
/// on (never by the Host header, which the client controls); ports bound as 0 are read back from
/// Kestrel once bound.
/// </summary>
internal sealed class ListenerMap
{
    private readonly List<ListenOptions> _admin = [];
    private readonly List<ListenOptions> _proxy = [];

    public void AddAdmin(ListenOptions options) => _admin.Add(options);

    public void AddProxy(ListenOptions options) => _proxy.Add(options);

    public bool IsAdmin(HttpContext context)
    {
        var port = context.Connection.LocalPort;
        foreach (var listener in _admin)
        {
            if (listener.IPEndPoint?.Port == port)
            {
                return true;
            }
        }

        return false;
    }

    public IReadOnlyList<Uri> ProxyAddresses => _proxy.Select(Address).ToList();

    public IReadOnlyList<Uri> AdminAddresses => _admin.Select(Address).ToList();

    private static Uri Address(ListenOptions options)
    {
        var endpoint = options.IPEndPoint!;
        var host = endpoint.Address.Equals(IPAddress.Any) ? "127.0.0.1"
            : endpoint.Address.Equals(IPAddress.IPv6Any) ? "[::1]"
            : endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]"
            : endpoint.Address.ToString();
        return new Uri($"http://{host}:{endpoint.Port}/");
    }

    /// <summary>Parses a listen URL (<c>http://127.0.0.1:8080</c>, <c>http://localhost:8080</c>, <c>http://[::]:8080</c>) into endpoints.</summary>
    public static bool TryParse(string url, out IReadOnlyList<IPEndPoint> endpoints, out string error)
    {
        endpoints = [];
        error = string.Empty;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            error = $"'{url}' is not an http:// URL with a host and port (TLS is terminated in front of the proxy)";
            return false;
        }

        if (uri.IsDefaultPort && !url.Contains(":80", StringComparison.Ordinal))
        {
            error = $"'{url}' names no port";
            return false;
        }

        if (uri.AbsolutePath != "/" || uri.Query.Length > 0)
        {
            error = $"'{url}' must not have a path or query";
            return false;
        }

        var host = uri.Host.Trim('[', ']');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            endpoints = [new IPEndPoint(IPAddress.Loopback, uri.Port)];
            return true;
        }

        if (host is "*" or "+")
        {
            endpoints = [new IPEndPoint(IPAddress.Any, uri.Port)];
            return true;
        }

        if (!IPAddress.TryParse(host, out var address))
        {
            error = $"'{url}' must name an IP address or localhost";
            return false;
        }

        endpoints = [new IPEndPoint(address, uri.Port)];
        return true;
    }
}
