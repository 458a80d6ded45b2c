namespace ShadowProxy.Admin;

/// <summary>
/// The admin roles as ASP.NET Core authorization policies (docs/admin-api.md#roles-and-keys). Every endpoint of
/// <c>MapShadowProxyAdmin</c>'s <c>/api/v1</c> requires the least of them it needs; a user who may do more must
/// satisfy the weaker policies too (Operator ⊇ Sre ⊇ Viewer). ShadowProxy defines each policy, bound to the API-key
/// scheme (<see cref="ShadowProxyApiKeyDefaults.AuthenticationScheme"/>), unless the host defines a policy of the
/// same name itself: that is how a host puts its own scheme (JWT, OIDC) in front of the admin API.
/// </summary>
public static class ShadowProxyPolicies
{
    /// <summary>Reads everything: migrations, differences, reports, the audit log.</summary>
    public const string Viewer = "ShadowProxy.Viewer";

    /// <summary>Also pauses, resumes and rolls back.</summary>
    public const string Sre = "ShadowProxy.Sre";

    /// <summary>Everything: also promotes, sets a weight, marks noise, declares a candidate version.</summary>
    public const string Operator = "ShadowProxy.Operator";
}
