using Microsoft.AspNetCore.Authentication;

namespace ShadowProxy.Admin;

/// <summary>
/// The challenge and forbid scheme of a host with no authentication scheme of its own (the executable): it authenticates
/// nobody, and answers a challenge with 401 and a forbid with 403, so that an authorization policy on a route is refused
/// as such rather than failing with "no DefaultChallengeScheme found" (<see cref="AdminAuthorization"/>).
/// </summary>
internal sealed class NoUserAuthenticationHandler : IAuthenticationHandler
{
    public const string Scheme = "ShadowProxy.NoUser";

    private HttpContext? _context;

    public Task InitializeAsync(AuthenticationScheme scheme, HttpContext context)
    {
        _context = context;
        return Task.CompletedTask;
    }

    public Task<AuthenticateResult> AuthenticateAsync() => Task.FromResult(AuthenticateResult.NoResult());

    public Task ChallengeAsync(AuthenticationProperties? properties)
    {
        _context!.Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Task.CompletedTask;
    }

    public Task ForbidAsync(AuthenticationProperties? properties)
    {
        _context!.Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }
}
