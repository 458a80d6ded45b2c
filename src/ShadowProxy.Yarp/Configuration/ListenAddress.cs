using System.Net;

namespace ShadowProxy.Configuration;

internal enum ListenScheme
{
    Http,
    H2c,
    Https,
}

/// <summary>A listen URL of <c>Listen</c> or <c>Admin:Listen</c> (docs/configuration.md#listeners).</summary>
internal static class ListenAddress
{
    /// <summary>The endpoints of a URL the validator accepted.</summary>
    public static IReadOnlyList<IPEndPoint> Parse(string url, out ListenScheme scheme) =>
        TryParse(url, out var endpoints, out scheme, out var error) ? endpoints : throw new ArgumentException(error, nameof(url));

    /// <summary>
    /// Parses a listen URL into endpoints: <c>http://</c> (HTTP/1.1), <c>h2c://</c> (HTTP/2 with prior
    /// knowledge, as load balancers and gRPC clients speak it) or <c>https://</c> (HTTP/1.1 and HTTP/2
    /// by ALPN; needs <c>Tls</c>). Hosts: an IP address, <c>localhost</c>, or <c>*</c>.
    /// </summary>
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
