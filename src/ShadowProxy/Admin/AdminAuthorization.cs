using ShadowProxy.Configuration;

namespace ShadowProxy.Admin;

/// <summary>Endpoint metadata: the least role allowed to call it (Viewer when absent).</summary>
internal sealed record RequiredRole(AdminRole Role);

/// <summary>
/// The admin API's authentication and role check (docs/admin-api.md#roles-and-keys): missing or unknown key → 401, too
/// weak a role → 403, both as problem+json, before the endpoint runs. The caller's name is left in
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

    /// <summary>Marks the endpoints (the <c>/api/v1</c> group) that need a key and a role.</summary>
    public static TBuilder RequireApiKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(ApiKeyRequired.Instance);

    /// <summary>
    /// Middleware between routing and the endpoints: the check runs before any endpoint code, so before
    /// any request body is read or bound (docs/security.md), whatever the endpoint does with it.
    /// </summary>
    public static Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<ApiKeyRequired>() is null)
        {
            return next(context);
        }

        var authenticator = context.RequestServices.GetRequiredService<ApiKeyAuthenticator>();
        var identity = authenticator.Authenticate(context.Request.Headers.Authorization.ToString() is { Length: > 0 } header ? header : null);
        if (identity is null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return AdminProblems.Unauthorized(context.Request.Headers.Authorization.Count == 0
                ? "This endpoint needs an API key: send 'Authorization: Bearer <key>'."
                : "The API key is not one of the configured keys.").ExecuteAsync(context);
        }

        var required = endpoint.Metadata.GetMetadata<RequiredRole>()?.Role ?? AdminRole.Viewer;
        if (identity.Role < required)
        {
            return AdminProblems.Forbidden($"Key '{identity.Name}' has role {identity.Role}; this needs {required} or above.").ExecuteAsync(context);
        }

        context.Items[ActorItem] = identity.Name;
        context.Items[RoleItem] = identity.Role;
        return next(context);
    }

    private sealed class ApiKeyRequired
    {
        public static readonly ApiKeyRequired Instance = new();
    }
}
