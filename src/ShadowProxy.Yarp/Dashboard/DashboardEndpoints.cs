using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace ShadowProxy.Dashboard;

/// <summary>
/// The web dashboard (docs/admin-api.md, <c>GET /</c> on the admin listener): static HTML, CSS and ES modules
/// embedded in the assembly, served below the admin prefix with exact content types, ETags and a strict Content-Security-Policy.
/// The page itself holds no data: everything it shows comes from <c>/api/v1</c> with the user's key.
/// </summary>
internal static class DashboardEndpoints
{
    /// <summary>Nothing but this origin: no inline script or style, no frames, no external fetches.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private const string ResourcePrefix = "dashboard/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly Lazy<FrozenDictionary<string, Asset>> Assets = new(LoadAssets);

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        // Below a prefix the page must be asked for as "prefix/": its asset and API URLs are relative to it.
        endpoints.MapGet("/", (HttpContext context) => context.Request.Path.Value is { Length: > 1 } path && !path.EndsWith('/')
            ? Results.Redirect(path[(path.LastIndexOf('/') + 1)..] + "/")
            : Serve(context, "index.html"));
        endpoints.MapGet("/index.html", (HttpContext context) => Serve(context, "index.html"));
        endpoints.MapGet("/assets/{file}", (string file, HttpContext context) => Serve(context, file));
    }

    /// <summary>The embedded file names the dashboard serves (for tests and diagnostics).</summary>
    public static IEnumerable<string> Files => Assets.Value.Keys;

    private static IResult Serve(HttpContext context, string file)
    {
        if (!Assets.Value.TryGetValue(file, out var asset))
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"The dashboard has no file '{file}'.");
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";

        // Not fingerprinted, so never trusted blindly: the browser revalidates and gets a 304 while unchanged.
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch.Any(tag => tag == asset.ETag || tag == "*"))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static FrozenDictionary<string, Asset> LoadAssets()
    {
        var assembly = typeof(DashboardEndpoints).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            var normalized = name.Replace('\\', '/');
            if (!normalized.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var file = normalized[ResourcePrefix.Length..];
            if (file.Contains('/', StringComparison.Ordinal) || !ContentTypes.TryGetValue(Path.GetExtension(file), out var contentType))
            {
                continue;
            }

            assets[file] = Asset.Read(assembly, name, contentType);
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private sealed record Asset(byte[] Content, string ContentType, string ETag)
    {
        public static Asset Read(Assembly assembly, string resource, string contentType)
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            var etag = new EntityTagHeaderValue("\"" + Convert.ToHexStringLower(SHA256.HashData(content))[..16] + "\"").ToString();
            return new Asset(content, contentType, etag);
        }
    }
}
