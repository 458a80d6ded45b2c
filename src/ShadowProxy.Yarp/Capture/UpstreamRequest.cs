using System.Net.Http.Headers;
using Microsoft.Net.Http.Headers;
using ShadowProxy.Core.Buffers;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;

namespace ShadowProxy.Capture;

/// <summary>
/// The upstream request exactly as the primary got it: captured at the end of the route's request
/// transforms (header copy, route transforms, Host, <c>X-Forwarded-*</c>/<c>Forwarded</c> set by the
/// proxy, client-sent marker and <c>Connection</c>-named headers already gone: the proxy's own
/// request transforms). Every copy sent elsewhere (the shadow, a noise probe) is made
/// from it by <see cref="CreateCopy"/>, so no copy can differ from the primary by more than its
/// destination, its body framing and the one marker (docs/security.md).
/// </summary>
internal sealed class UpstreamRequest
{
    /// <summary>The marker every copy carries exactly once, and no request from a client ever carries upstream.</summary>
    public const string ShadowHeader = "X-Shadow-Request";

    private readonly KeyValuePair<string, HeaderStringValues>[] _headers;
    private readonly KeyValuePair<string, HeaderStringValues>[] _contentHeaders;

    private UpstreamRequest(HttpMethod method, PathString path, QueryString query, KeyValuePair<string, HeaderStringValues>[] headers, KeyValuePair<string, HeaderStringValues>[] contentHeaders)
    {
        Method = method;
        Path = path;
        Query = query;
        _headers = headers;
        _contentHeaders = contentHeaders;
    }

    public HttpMethod Method { get; }

    /// <summary>The path below the destination prefix, after the route's path transforms.</summary>
    public PathString Path { get; }

    public QueryString Query { get; }

    /// <summary>
    /// Takes what the transforms built so far. Null when a transform chose the primary's URI itself
    /// (<see cref="HttpRequestMessage.RequestUri"/> set): that request has no "same request" elsewhere.
    /// </summary>
    public static UpstreamRequest? Capture(RequestTransformContext context)
    {
        var proxyRequest = context.ProxyRequest;
        if (proxyRequest.RequestUri is not null)
        {
            return null;
        }

        var clientHost = context.HttpContext.Request.Headers.Host;
        var headers = new List<KeyValuePair<string, HeaderStringValues>>(proxyRequest.Headers.NonValidated.Count);
        foreach (var header in proxyRequest.Headers.NonValidated)
        {
            if (IsPerCopy(header.Key)
                // Host is the destination's own unless the route keeps the client's (RequestHeaderOriginalHost).
                || (header.Key.Equals(HeaderNames.Host, StringComparison.OrdinalIgnoreCase) && header.Value.ToString() != clientHost.ToString()))
            {
                continue;
            }

            headers.Add(header);
        }

        KeyValuePair<string, HeaderStringValues>[] contentHeaders = proxyRequest.Content is { } content ? [.. content.Headers.NonValidated] : [];
        return new UpstreamRequest(proxyRequest.Method, context.Path, context.Query.QueryString, [.. headers], contentHeaders);
    }

    /// <summary>
    /// A new message for the backend at <paramref name="destinationPrefix"/>, sent as HTTP <paramref name="version"/>
    /// under <paramref name="versionPolicy"/>: the primary's method, path, query and headers, <paramref name="body"/>
    /// (sized: a chunked upload is whole by now), and exactly one <c>X-Shadow-Request: true</c>. The caller owns (and
    /// disposes) the message.
    /// </summary>
    public HttpRequestMessage CreateCopy(string destinationPrefix, Version version, HttpVersionPolicy versionPolicy, CappedBuffer? body)
    {
        var message = new HttpRequestMessage(Method, RequestUtilities.MakeDestinationAddress(destinationPrefix, Path, Query))
        {
            Version = version,
            VersionPolicy = versionPolicy,
        };

        if (body is not null || _contentHeaders.Length > 0)
        {
            message.Content = new ReadOnlyMemoryContent(body is null ? ReadOnlyMemory<byte>.Empty : body.Memory);
            foreach (var (name, values) in _contentHeaders)
            {
                if (body is null || !name.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase))
                {
                    Add(message.Content.Headers, name, values);
                }
            }

            if (body is not null)
            {
                message.Content.Headers.ContentLength = body.Length;
            }
        }

        foreach (var (name, values) in _headers)
        {
            Add(message.Headers, name, values);
        }

        message.Headers.TryAddWithoutValidation(ShadowHeader, "true");
        return message;
    }

    /// <summary>
    /// Headers each copy must not inherit from the primary: the marker (added once by <see cref="CreateCopy"/>)
    /// and the trace context (the shadow is its own trace, linked to the client's: DESIGN-NOTES).
    /// </summary>
    private static bool IsPerCopy(string name) =>
        name.Equals(ShadowHeader, StringComparison.OrdinalIgnoreCase)
        || name.Equals("traceparent", StringComparison.OrdinalIgnoreCase)
        || name.Equals("tracestate", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Request-Id", StringComparison.OrdinalIgnoreCase);

    // One value passes as a string: HeaderStringValues would be boxed as an IEnumerable<string>.
    private static void Add(HttpHeaders target, string name, HeaderStringValues values) =>
        _ = values.Count == 1 ? target.TryAddWithoutValidation(name, values.ToString()) : target.TryAddWithoutValidation(name, values);
}

/// <summary>
/// Set by the data path on a request it will mirror; the route's last request transform fills it
/// with what the primary is sent (the first attempt's, when a failover sends the request twice).
/// </summary>
internal sealed class UpstreamRequestCapture
{
    public UpstreamRequest? Request { get; set; }
}
