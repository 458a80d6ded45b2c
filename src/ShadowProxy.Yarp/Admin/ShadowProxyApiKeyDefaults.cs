namespace ShadowProxy.Admin;

/// <summary>
/// The API-key authentication scheme ShadowProxy registers: <c>Authorization: Bearer KEY</c> checked against
/// <c>ShadowProxy:Admin:ApiKeys</c>. The principal's name is the key's <c>Name</c> (the audit log's actor) and its role
/// claim (<see cref="System.Security.Claims.ClaimTypes.Role"/>) the key's <c>Role</c>: <c>Viewer</c>, <c>Sre</c> or <c>Operator</c>.
/// </summary>
public static class ShadowProxyApiKeyDefaults
{
    /// <summary>The scheme's name, for <c>AuthorizationPolicyBuilder.AddAuthenticationSchemes</c>.</summary>
    public const string AuthenticationScheme = "ShadowProxy.ApiKey";
}
