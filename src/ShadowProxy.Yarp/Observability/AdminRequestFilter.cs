namespace ShadowProxy.Observability;

/// <summary>
/// Tells the admin surface's requests apart, as the host knows them (the standalone proxy: by the listener they
/// arrived on). Without one registered, no request is the admin's.
/// </summary>
internal sealed record AdminRequestFilter(Func<HttpContext, bool> IsAdmin);
