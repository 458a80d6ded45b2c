using Microsoft.Net.Http.Headers;
using ShadowProxy.Capture;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace ShadowProxy.Proxy;

/// <summary>
/// The proxy's own request transforms (docs/security.md), on every route:
/// first, before the route's transforms, what a client must not send upstream is dropped: any
/// <c>X-Shadow-Request</c> (only the proxy speaks for the proxy) and every header the client named in
/// <c>Connection</c> (hop-by-hop by RFC 9110 §7.6.1; YARP already drops the standard hop-by-hop ones).
/// Kestrel hands over a <c>Connection</c> header that says <c>keep-alive</c> or <c>close</c> (one of
/// them) as that option alone, so options listed beside it are not seen here.
/// Last, on migration routes, after Host and the forwarding headers, the request is captured as
/// <see cref="UpstreamRequest"/> when the data path asked for it, so the shadow is built from what the
/// primary got. Providers registered after this one add their transforms after the capture.
/// </summary>
internal sealed class UpstreamTransforms : ITransformProvider
{
    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        context.RequestTransforms.Insert(0, ClientHeaderFilter.Instance);
        if (context.Route.Metadata?.ContainsKey(Migrations.MigrationRegistry.RouteMetadataKey) != true)
        {
            return;
        }

        // YARP adds these defaults after every provider; the capture must see them, so they are added
        // here, exactly as YARP would (it skips its own when they are present or disabled).
        if (!context.RequestTransforms.Any(t => t is RequestHeaderOriginalHostTransform))
        {
            context.AddOriginalHost(false);
        }

        if (context.UseDefaultForwarders.GetValueOrDefault(true))
        {
            context.AddXForwarded();
            context.UseDefaultForwarders = false;
        }

        context.RequestTransforms.Add(CaptureTransform.Instance);
    }

    private sealed class ClientHeaderFilter : RequestTransform
    {
        public static readonly ClientHeaderFilter Instance = new();

        public override ValueTask ApplyAsync(RequestTransformContext context)
        {
            var client = context.HttpContext.Request.Headers;
            if (client.ContainsKey(UpstreamRequest.ShadowHeader))
            {
                context.ProxyRequest.Headers.Remove(UpstreamRequest.ShadowHeader);
            }

            foreach (var value in client.Connection)
            {
                RemoveConnectionOptions(context.ProxyRequest, value);
            }

            return ValueTask.CompletedTask;
        }

        private static void RemoveConnectionOptions(HttpRequestMessage request, string? value)
        {
            var rest = value.AsSpan();
            while (!rest.IsEmpty)
            {
                var comma = rest.IndexOf(',');
                var token = (comma < 0 ? rest : rest[..comma]).Trim();
                rest = comma < 0 ? default : rest[(comma + 1)..];

                // The common options name no header that YARP copies (Keep-Alive and Upgrade it handles itself).
                if (token.IsEmpty || token.Equals("keep-alive", StringComparison.OrdinalIgnoreCase)
                    || token.Equals("close", StringComparison.OrdinalIgnoreCase) || token.Equals("upgrade", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                // NonValidated first: Remove throws on names that are not valid header names, or not request headers.
                var name = token.ToString();
                if (request.Headers.NonValidated.Contains(name))
                {
                    request.Headers.Remove(name);
                }
                else if (request.Content is { } content && content.Headers.NonValidated.Contains(name)
                    && !name.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase))
                {
                    // Body framing is the proxy's; any other content header named goes as well.
                    content.Headers.Remove(name);
                }
            }
        }
    }

    private sealed class CaptureTransform : RequestTransform
    {
        public static readonly CaptureTransform Instance = new();

        public override ValueTask ApplyAsync(RequestTransformContext context)
        {
            if (context.HttpContext.Features.Get<UpstreamRequestCapture>() is { Request: null } capture)
            {
                capture.Request = UpstreamRequest.Capture(context);
            }

            return ValueTask.CompletedTask;
        }
    }
}
