using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using ShadowProxy.Configuration;

namespace ShadowProxy.Admin;

/// <summary>
/// The API-key scheme (<see cref="ShadowProxyApiKeyDefaults.AuthenticationScheme"/>, docs/admin-api.md#roles-and-keys):
/// a configured key is a principal named by the key's <c>Name</c> with the key's role as its role claim. With no keys
/// configured every caller is the Operator named <c>local</c> (<see cref="AdminGuard"/> then answers only loopback
/// callers addressed to a loopback name). Its challenge and forbid answers are the admin API's: 401 with
/// <c>WWW-Authenticate: Bearer</c>, 403 naming the role needed, both problem+json.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyAuthenticator authenticator) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string UnknownKey = "The API key is not one of the configured keys.";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization;
        if (!authenticator.IsOpen && header.Count == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var identity = authenticator.Authenticate(header.ToString());
        if (identity is null)
        {
            return Task.FromResult(AuthenticateResult.Fail(UnknownKey));
        }

        Claim[] claims = [new(ClaimTypes.Name, identity.Name), new(ClaimTypes.Role, identity.Role.ToString())];
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        AdminGuard.SetHeaders(Response);
        Response.Headers.WWWAuthenticate = "Bearer";
        return AdminProblems.Unauthorized(Request.Headers.Authorization.Count == 0
            ? "This endpoint needs an API key: send 'Authorization: Bearer <key>'."
            : UnknownKey).ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        AdminGuard.SetHeaders(Response);
        var required = AdminAuthorization.RequiredRole(Context.GetEndpoint());
        var user = Context.User;
        var role = Enum.GetValues<AdminRole>().LastOrDefault(r => user.IsInRole(r.ToString()));
        return AdminProblems.Forbidden(required is null
            ? $"Key '{user.Identity?.Name}' may not call this endpoint."
            : $"Key '{user.Identity?.Name}' has role {role}; this needs {required} or above.").ExecuteAsync(Context);
    }
}
