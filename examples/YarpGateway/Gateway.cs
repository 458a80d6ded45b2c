using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using ShadowProxy.Admin;

namespace YarpGateway;

/// <summary>
/// A YARP gateway configured from its own <c>ReverseProxy</c> section, with its own JWT bearer authentication,
/// that embeds ShadowProxy: the three calls are <c>AddShadowMigrations</c>, <c>UseShadowMigrations</c> and
/// <c>MapShadowProxyAdmin</c>.
/// </summary>
public static class Gateway
{
    /// <summary>The gateway's own policy, used by its routes in the <c>ReverseProxy</c> section.</summary>
    public const string CustomersPolicy = "customers";

    /// <param name="args">The command line (as <see cref="WebApplication.CreateBuilder(string[])"/> reads it).</param>
    /// <param name="configure">Configuration sources added on top of the standard ones (tests use it).</param>
    public static WebApplication Build(string[] args, Action<IConfigurationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder.Configuration);

        // The gateway's own authentication: JWT bearer tokens signed with the symmetric key of the Jwt section.
        var jwt = builder.Configuration.GetSection("Jwt");
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(options =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = jwt["Issuer"],
                    ValidAudience = jwt["Audience"],
                    IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(jwt["SigningKey"] ?? "")),
                    NameClaimType = "sub",
                    RoleClaimType = "role",
                };
            });

        // The gateway's own policy, and ShadowProxy's three roles bound to the JWT's role claims.
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(CustomersPolicy, p => p.RequireAuthenticatedUser())
            .AddPolicy(ShadowProxyPolicies.Viewer, p => p.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireRole("viewer", "sre", "operator"))
            .AddPolicy(ShadowProxyPolicies.Sre, p => p.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireRole("sre", "operator"))
            .AddPolicy(ShadowProxyPolicies.Operator, p => p.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireRole("operator"));

        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddShadowMigrations(builder.Configuration.GetSection("ShadowProxy"));

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        // UseShadowMigrations includes YARP's standard steps (session affinity, load balancing, passive health checks).
        app.MapReverseProxy(proxy => proxy.UseShadowMigrations());
        app.MapShadowProxyAdmin("/shadowproxy");
        return app;
    }
}
