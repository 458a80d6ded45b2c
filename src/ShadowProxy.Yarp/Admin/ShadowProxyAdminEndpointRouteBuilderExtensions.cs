using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using ShadowProxy.Admin;

#pragma warning disable IDE0130 // Beside ASP.NET Core's own Map* calls, where a host looks for it.
namespace Microsoft.AspNetCore.Builder;
#pragma warning restore IDE0130

/// <summary>Maps ShadowProxy's admin surface into a host's endpoint routing.</summary>
public static class ShadowProxyAdminEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the admin API (<c>/api/v1/...</c> and its OpenAPI document <c>/api/v1/openapi.json</c>), the dashboard
    /// (<c>/</c>), <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c> below <paramref name="prefix"/>, with the paths of
    /// docs/admin-api.md. Each <c>/api/v1</c> endpoint requires the <see cref="ShadowProxyPolicies"/> policy of the least
    /// role it needs, so the host's authentication and authorization middleware (<c>UseAuthentication</c>,
    /// <c>UseAuthorization</c> after <c>UseRouting</c>, or minimal hosting's own) must run. The policies use the API-key
    /// scheme unless the host defines them itself. Every endpoint below the prefix keeps the admin API's rules
    /// (docs/security.md): <c>no-store</c> and <c>nosniff</c>, a 64 KiB body cap, 404 for dot-segments, 403 for
    /// cross-site writes, 415 for writes that are not JSON, problem+json for every error; a path below the prefix that
    /// no admin endpoint has is 404 rather than one of the host's routes.
    /// </summary>
    /// <param name="endpoints">The host's endpoints (<c>app</c>), or a group of them.</param>
    /// <param name="prefix">Where the admin surface lives, e.g. <c>"/shadowproxy"</c>; empty for the root (the standalone proxy's admin listener).</param>
    /// <returns>A builder for conventions on every admin endpoint, e.g. <c>RequireHost(...)</c> or a further <c>RequireAuthorization(...)</c>.</returns>
    /// <exception cref="InvalidOperationException"><c>AddShadowMigrations</c> was not called on the services.</exception>
    public static IEndpointConventionBuilder MapShadowProxyAdmin(this IEndpointRouteBuilder endpoints, string prefix)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        var services = endpoints.ServiceProvider;
        var authenticator = services.GetService<ApiKeyAuthenticator>()
            ?? throw new InvalidOperationException("MapShadowProxyAdmin needs services.AddReverseProxy().AddShadowMigrations(...) first.");

        // Open access (no keys) applies only while the Viewer policy is ShadowProxy's API-key one, not the host's own.
        var viewer = services.GetRequiredService<IOptions<AuthorizationOptions>>().Value.GetPolicy(ShadowProxyPolicies.Viewer);
        var openAccess = authenticator.IsOpen && viewer?.AuthenticationSchemes.Contains(ShadowProxyApiKeyDefaults.AuthenticationScheme) == true;
        var guard = new AdminGuard(openAccess, services.GetRequiredService<ILogger<AdminGuard>>());
        var fallback = new AdminFallback();

        prefix = prefix.TrimEnd('/');
        var admin = endpoints.MapGroup(prefix.Length == 0 || prefix.StartsWith('/') ? prefix : "/" + prefix);
        AdminEndpoints.Map(admin);
        fallback.Map(admin, hasPrefix: prefix.Length > 0);
        ((IEndpointConventionBuilder)admin).Finally(endpoint =>
        {
            fallback.Learn(endpoint);
            endpoint.RequestDelegate = endpoint.RequestDelegate is { } next ? guard.Wrap(next) : null;
        });
        return admin;
    }
}
