using System.Security.Cryptography;
using System.Text;
using ShadowProxy.Core.Configuration;

namespace ShadowProxy.Admin;

/// <summary>Who called the admin API, as the audit log names them.</summary>
internal sealed record AdminIdentity(string Name, AdminRole Role);

/// <summary>
/// Checks <c>Authorization: Bearer KEY</c> against the configured keys. Keys are held as SHA-256
/// digests (configured as <c>KeySha256</c> or hashed at start from <c>Key</c>) and compared in
/// constant time against every key, so timing tells nothing about which key came close.
/// </summary>
internal sealed class ApiKeyAuthenticator
{
    private readonly (byte[] Digest, AdminIdentity Identity)[] _keys;

    public ApiKeyAuthenticator(ShadowProxyOptions options)
    {
        _keys = options.Admin.ApiKeys
            .Select(k => (k.KeySha256 is { } hex ? Convert.FromHexString(hex) : SHA256.HashData(Encoding.UTF8.GetBytes(k.Key!)), new AdminIdentity(k.Name, k.Role)))
            .ToArray();
    }

    /// <summary>With no keys configured the admin API is open (and bound to loopback only).</summary>
    public bool IsOpen => _keys.Length == 0;

    public static readonly AdminIdentity OpenAccess = new("local", AdminRole.Operator);

    public AdminIdentity? Authenticate(string? authorization)
    {
        if (IsOpen)
        {
            return OpenAccess;
        }

        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorization[scheme.Length..].Trim()));
        AdminIdentity? match = null;
        foreach (var (digest, identity) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, presented))
            {
                match ??= identity;
            }
        }

        return match;
    }
}

/// <summary>Endpoint metadata: the least role allowed to call it (Viewer when absent).</summary>
internal sealed record RequiredRole(AdminRole Role);

/// <summary>
/// The admin API's authentication and role check (SPEC §5): missing or unknown key → 401, too
/// weak a role → 403, both as problem+json. The caller's name is left in
/// <see cref="HttpContext.Items"/> for the audit log.
/// </summary>
internal static class AdminAuthorization
{
    public const string ActorItem = "ShadowProxy.Actor";

    private const string RoleItem = "ShadowProxy.Role";

    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, AdminRole role)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredRole(role));

    public static string Actor(this HttpContext context) => context.Items[ActorItem] as string ?? ApiKeyAuthenticator.OpenAccess.Name;

    public static AdminRole Role(this HttpContext context) => context.Items[RoleItem] as AdminRole? ?? ApiKeyAuthenticator.OpenAccess.Role;

    public static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var authenticator = context.RequestServices.GetRequiredService<ApiKeyAuthenticator>();
        var identity = authenticator.Authenticate(context.Request.Headers.Authorization.ToString() is { Length: > 0 } header ? header : null);
        if (identity is null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return AdminProblems.Unauthorized(context.Request.Headers.Authorization.Count == 0
                ? "This endpoint needs an API key: send 'Authorization: Bearer <key>'."
                : "The API key is not one of the configured keys.");
        }

        var required = context.GetEndpoint()?.Metadata.GetMetadata<RequiredRole>()?.Role ?? AdminRole.Viewer;
        if (identity.Role < required)
        {
            return AdminProblems.Forbidden($"Key '{identity.Name}' has role {identity.Role}; this needs {required} or above.");
        }

        context.Items[ActorItem] = identity.Name;
        context.Items[RoleItem] = identity.Role;
        return await next(invocation).ConfigureAwait(false);
    }
}

/// <summary>The admin API's errors, all <c>application/problem+json</c> with a human-readable detail.</summary>
internal static class AdminProblems
{
    public static IResult BadRequest(string detail) => Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request", detail: detail);

    public static IResult Unauthorized(string detail) => Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: detail);

    public static IResult Forbidden(string detail) => Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail);

    public static IResult NotFound(string detail) => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail);

    public static IResult Conflict(string detail) => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail);

    public static IResult Unavailable(string detail) => Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Unavailable", detail: detail);

    public static IResult UnknownMigration(string name) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown migration", detail: $"No migration is named '{name}'.");
}
