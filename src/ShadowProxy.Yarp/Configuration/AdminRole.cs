namespace ShadowProxy.Configuration;

/// <summary>Admin API roles, weakest first: a key may do what its role and every weaker role may (docs/admin-api.md#roles-and-keys).</summary>
internal enum AdminRole
{
    Viewer = 0,
    Sre = 1,
    Operator = 2,
}
