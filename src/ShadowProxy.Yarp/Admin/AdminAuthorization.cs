using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using ShadowProxy.Configuration;

namespace ShadowProxy.Admin;

/// <summary>
/// The admin API's authorization (docs/admin-api.md#roles-and-keys): each <c>/api/v1</c> endpoint requires the
/// <see cref="ShadowProxyPolicies"/> policy of the least role it needs, checked by ASP.NET Core's authorization
/// middleware after routing and before the endpoint runs, so before any request body is read or bound.
/// </summary>
internal static class AdminAuthorization
{
    /// <summary>A default scheme name no scheme has: the host has no default scheme, as before ShadowProxy registered its own.</summary>
    private const string NoDefaultScheme = "ShadowProxy.NoDefaultScheme";

    private static readonly (AdminRole Role, string Policy)[] Policies =
    [
        (AdminRole.Viewer, ShadowProxyPolicies.Viewer),
        (AdminRole.Sre, ShadowProxyPolicies.Sre),
        (AdminRole.Operator, ShadowProxyPolicies.Operator),
    ];

    /// <summary>The endpoint needs <paramref name="role"/>'s policy (the <c>/api/v1</c> group already needs Viewer's).</summary>
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, AdminRole role)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(Policy(role));

    public static string Policy(AdminRole role) => Policies[(int)role].Policy;

    /// <summary>The caller as the audit log names them: the principal's name (an API key's <c>Name</c>), else its name identifier.</summary>
    public static string Actor(this HttpContext context) =>
        context.User.Identity?.Name ?? context.User.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? "anonymous";

    /// <summary>The strongest role whose policy <paramref name="endpoint"/> requires, if any.</summary>
    public static AdminRole? RequiredRole(Endpoint? endpoint)
    {
        AdminRole? required = null;
        foreach (var data in endpoint?.Metadata.GetOrderedMetadata<IAuthorizeData>() ?? [])
        {
            foreach (var (role, policy) in Policies)
            {
                if (policy == data.Policy && (required is null || role > required))
                {
                    required = role;
                }
            }
        }

        return required;
    }

    /// <summary>The strongest role whose policy the caller satisfies (for <c>/api/v1/whoami</c>), whatever scheme authenticated them.</summary>
    public static async Task<AdminRole?> StrongestRoleAsync(HttpContext context, IAuthorizationService authorization)
    {
        for (var i = Policies.Length - 1; i >= 0; i--)
        {
            if ((await authorization.AuthorizeAsync(context.User, context, Policies[i].Policy).ConfigureAwait(false)).Succeeded)
            {
                return Policies[i].Role;
            }
        }

        return null;
    }

    /// <summary>
    /// The API-key scheme and the three policies. A policy the host defined itself (by name, before or after this call)
    /// is kept; the others require the API-key scheme and a role claim of that role or a stronger one. The API-key
    /// scheme never becomes the host's default scheme: it authenticates only where a policy names it.
    /// </summary>
    public static IServiceCollection AddShadowProxyAdminAuthorization(this IServiceCollection services)
    {
        services.AddSingleton<ApiKeyAuthenticator>();
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ShadowProxyApiKeyDefaults.AuthenticationScheme, displayName: null, configureOptions: null);
        services.AddAuthorization();
        services.PostConfigure<AuthorizationOptions>(options =>
        {
            foreach (var (role, policy) in Policies)
            {
                if (options.GetPolicy(policy) is null)
                {
                    var roles = Policies.Where(p => p.Role >= role).Select(p => p.Role.ToString());
                    options.AddPolicy(policy, builder => builder.AddAuthenticationSchemes(ShadowProxyApiKeyDefaults.AuthenticationScheme).RequireRole(roles));
                }
            }
        });
        services.PostConfigure<AuthenticationOptions>(options =>
        {
            // ASP.NET Core makes a lone scheme everyone's default. With one scheme of the host's own, that scheme stays
            // its default; with none, no scheme is the default (ours would otherwise authenticate every proxied request).
            if (options.DefaultScheme is null)
            {
                var others = options.Schemes.Where(s => s.Name != ShadowProxyApiKeyDefaults.AuthenticationScheme).ToList();
                options.DefaultScheme = others.Count == 1 ? others[0].Name : others.Count == 0 ? NoDefaultScheme : null;
                if (others.Count == 0)
                {
                    // Then a challenge or forbid with no scheme named (a ReverseProxy route's AuthorizationPolicy, such as
                    // "Default", in the executable) would throw, a 500: it answers a plain 401 or 403 instead. Only these two:
                    // nothing authenticates proxied requests, which keeps authentication off the data path.
                    options.AddScheme(NoUserAuthenticationHandler.Scheme, scheme => scheme.HandlerType = typeof(NoUserAuthenticationHandler));
                    options.DefaultChallengeScheme ??= NoUserAuthenticationHandler.Scheme;
                    options.DefaultForbidScheme ??= NoUserAuthenticationHandler.Scheme;
                }
            }
        });
        return services;
    }
}
