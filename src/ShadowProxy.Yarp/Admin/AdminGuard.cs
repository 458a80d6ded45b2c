using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace ShadowProxy.Admin;

/// <summary>
/// Wraps every endpoint <c>MapShadowProxyAdmin</c> maps (docs/security.md), so it holds in the exe's admin listener
/// and below a host's prefix alike. It runs after routing and authorization, before the endpoint's own code:
/// <list type="bullet">
/// <item>answers carry <c>Cache-Control: no-store</c> (an endpoint may relax it, as the dashboard's
/// assets do) and <c>X-Content-Type-Options: nosniff</c>;</item>
/// <item>the request body is capped at <see cref="AdminRequestBody.MaxBytes"/> by the server itself,
/// whatever its framing (chunked included), so no endpoint can buffer more;</item>
/// <item>a target with a dot-segment (<c>/migrations/%2e%2e/rollback</c>) is 404: the server would
/// otherwise normalise it into another endpoint;</item>
/// <item>a write from another site (an <c>Origin</c> that is not this listener's, or
/// <c>Sec-Fetch-Site: cross-site</c>) is 403, and a write with a body that is not
/// <c>application/json</c> is 415: form posts and <c>text/plain</c> fetches are requests a browser
/// sends cross-site without asking, keys or not;</item>
/// <item>with open access (no API keys, and the policies are ShadowProxy's), a request from another machine or whose
/// <c>Host</c> is not a loopback name is 403: a page whose DNS name was rebound to 127.0.0.1 is same-origin with
/// itself, not with this listener;</item>
/// <item>an exception becomes problem+json (the server's own 400/413 keep their status), and any
/// 4xx/5xx left without a body gets one, so every error of the admin endpoints is problem+json with a detail.</item>
/// </list>
/// The 401 and 403 of the authorization middleware come before it: the API-key scheme writes them as problem+json itself.
/// </summary>
internal sealed partial class AdminGuard(bool openAccess, ILogger<AdminGuard> logger)
{
    public RequestDelegate Wrap(RequestDelegate next) => context => InvokeAsync(context, next);

    private async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var response = context.Response;
        SetHeaders(response);
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = AdminRequestBody.MaxBytes;
        }

        var refusal = Refuse(context);
        if (refusal is not null)
        {
            await refusal.ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (!response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            response.Clear();
            SetHeaders(response);
            if (ex is BadHttpRequestException bad)
            {
                // The server's and the framework's own refusals: body too large (413), unreadable or unbindable input (400).
                await AdminProblems.Status(bad.StatusCode, bad.Message).ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            LogUnhandled(logger, request.Method, request.Path.Value ?? "/", ex);
            await AdminProblems.Status(StatusCodes.Status500InternalServerError, $"The request failed inside the proxy (trace id {context.TraceIdentifier}); the log has the details.")
                .ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        if (!response.HasStarted && response.StatusCode >= 400 && response.ContentType is null && response.ContentLength is null or 0)
        {
            await AdminProblems.Status(response.StatusCode, DefaultDetail(response.StatusCode)).ExecuteAsync(context).ConfigureAwait(false);
        }
    }

    private IResult? Refuse(HttpContext context)
    {
        var request = context.Request;
        if (HasDotSegment(context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? "/"))
        {
            return AdminProblems.NotFound("The path has a '.' or '..' segment; admin paths are matched as sent, never normalised.");
        }

        if (openAccess && (!IsLoopbackHost(request.Host) || context.Connection.RemoteIpAddress is { } remote && !IPAddress.IsLoopback(remote)))
        {
            return AdminProblems.Forbidden("With no API keys the admin API answers only requests from this machine addressed to a loopback name (localhost, 127.0.0.1, [::1]).");
        }

        if (!IsWrite(request.Method))
        {
            return null;
        }

        if (IsCrossSite(request))
        {
            return AdminProblems.Forbidden("Writes from another site are refused: the request's Origin is not this admin listener's.");
        }

        if (HasBody(request) && !IsJson(request.ContentType))
        {
            return AdminProblems.Status(StatusCodes.Status415UnsupportedMediaType, "Admin writes take a JSON body: send 'Content-Type: application/json'.");
        }

        return null;
    }

    public static void SetHeaders(HttpResponse response)
    {
        response.Headers.CacheControl = "no-store";
        response.Headers.XContentTypeOptions = "nosniff";
    }

    private static bool IsWrite(string method) => !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method));

    private static bool HasBody(HttpRequest request) => request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    /// <summary>application/json, with no parameter other than charset=utf-8.</summary>
    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var type)
        && type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        && type.Parameters.All(p => p.Name.Equals("charset", StringComparison.OrdinalIgnoreCase) && (p.Value.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || p.Value.Equals("\"utf-8\"", StringComparison.OrdinalIgnoreCase)));

    /// <summary>
    /// Browsers send <c>Origin</c> on every cross-origin write and on same-origin ones; tools (shadowctl,
    /// curl) send none. An origin is this listener's when its host and port are the request's Host
    /// (the scheme is left out: a TLS-terminating front end changes it, not the authority).
    /// </summary>
    private static bool IsCrossSite(HttpRequest request)
    {
        if (request.Headers["Sec-Fetch-Site"] is { Count: > 0 } site && site.Any(s => "cross-site".Equals(s, StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        var origins = request.Headers.Origin;
        if (origins.Count == 0)
        {
            return false;
        }

        return origins.Count > 1
            || !Uri.TryCreate(origins[0], UriKind.Absolute, out var origin)
            || origin.Scheme is not ("http" or "https")
            || !origin.Authority.Equals(request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsLoopbackHost(HostString host) =>
        host.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Host, out var address) && IPAddress.IsLoopback(address));

    /// <summary>Any segment of the raw target's path that is "." or "..", written plainly or percent-encoded.</summary>
    internal static bool HasDotSegment(string rawTarget)
    {
        var path = rawTarget.AsSpan();
        var end = path.IndexOfAny('?', '#');
        if (end >= 0)
        {
            path = path[..end];
        }

        while (!path.IsEmpty)
        {
            var slash = path.IndexOf('/');
            var segment = slash < 0 ? path : path[..slash];
            path = slash < 0 ? default : path[(slash + 1)..];
            if (IsDots(segment))
            {
                return true;
            }
        }

        return false;

        static bool IsDots(ReadOnlySpan<char> segment)
        {
            var dots = 0;
            while (!segment.IsEmpty)
            {
                if (segment[0] == '.')
                {
                    segment = segment[1..];
                }
                else if (segment.Length >= 3 && segment[0] == '%' && segment[1] == '2' && (segment[2] == 'e' || segment[2] == 'E'))
                {
                    segment = segment[3..];
                }
                else
                {
                    return false;
                }

                dots++;
            }

            return dots is 1 or 2;
        }
    }

    private static string DefaultDetail(int status) => status switch
    {
        StatusCodes.Status404NotFound => "No such admin endpoint.",
        StatusCodes.Status405MethodNotAllowed => "This admin endpoint does not take that method.",
        StatusCodes.Status401Unauthorized => "This endpoint needs an API key: send 'Authorization: Bearer <key>'.",
        StatusCodes.Status403Forbidden => "The request is not allowed.",
        StatusCodes.Status413PayloadTooLarge => $"The body is larger than {AdminRequestBody.MaxBytes} bytes.",
        StatusCodes.Status415UnsupportedMediaType => "Admin writes take a JSON body: send 'Content-Type: application/json'.",
        < 500 => "The request was refused.",
        _ => "The request failed inside the proxy; the log has the details.",
    };

    [LoggerMessage(EventId = 60, Level = LogLevel.Error, Message = "Admin request {Method} {Path} failed")]
    private static partial void LogUnhandled(ILogger logger, string method, string path, Exception exception);
}
