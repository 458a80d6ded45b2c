using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ShadowProxy.Listeners;

/// <summary>
/// Which Kestrel listeners are the admin's. Requests are told apart by the local port they arrived
/// on (never by the Host header, which the client controls); ports bound as 0 are read back from
/// Kestrel once bound.
/// </summary>
internal enum ListenScheme
{
    Http,
    H2c,
    Https,
}

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

    /// <summary>
    /// Parses a listen URL into endpoints: <c>http://</c> (HTTP/1.1), <c>h2c://</c> (HTTP/2 with prior
    /// knowledge, as load balancers and gRPC clients speak it) or <c>https://</c> (HTTP/1.1 and HTTP/2
    /// by ALPN; needs <c>Tls</c>). Hosts: an IP address, <c>localhost</c>, or <c>*</c>.
    /// </summary>
    public static bool TryParse(string url, out IReadOnlyList<IPEndPoint> endpoints, out string error) =>
        TryParse(url, out endpoints, out _, out error);

    public static bool TryParse(string url, out IReadOnlyList<IPEndPoint> endpoints, out ListenScheme scheme, out string error)
    {
        endpoints = [];
        error = string.Empty;
        scheme = ListenScheme.Http;
        if (url.StartsWith("h2c://", StringComparison.OrdinalIgnoreCase))
        {
            scheme = ListenScheme.H2c;
            url = "http://" + url["h2c://".Length..];
        }
        else if (url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            scheme = ListenScheme.Https;
            url = "http://" + url["https://".Length..];
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            error = $"'{url}' is not an http://, h2c:// or https:// URL with a host and port";
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
