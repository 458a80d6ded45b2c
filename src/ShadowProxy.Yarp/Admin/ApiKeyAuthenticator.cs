using System.Security.Cryptography;
using System.Text;
using ShadowProxy.Configuration;

namespace ShadowProxy.Admin;

/// <summary>Who called the admin API, as the audit log names them.</summary>
internal sealed record AdminIdentity(string Name, AdminRole Role);

/// <summary>
/// Checks <c>Authorization: Bearer KEY</c> against the configured keys. Keys are held as SHA-256
/// digests (configured as <c>KeySha256</c> or hashed at start from <c>Key</c>) and compared in
/// constant time against every key, so timing tells nothing about which key came close.
/// </summary>
internal sealed class ApiKeyAuthenticator
{
    private readonly (byte[] Digest, AdminIdentity Identity)[] _keys;

    public ApiKeyAuthenticator(ShadowProxyOptions options)
    {
        _keys = options.Admin.ApiKeys
            .Select(k => (k.KeySha256 is { } hex ? Convert.FromHexString(hex) : SHA256.HashData(Encoding.UTF8.GetBytes(k.Key!)), new AdminIdentity(k.Name, k.Role)))
            .ToArray();
    }

    /// <summary>With no keys configured the admin API is open (and bound to loopback only).</summary>
    public bool IsOpen => _keys.Length == 0;

    public static readonly AdminIdentity OpenAccess = new("local", AdminRole.Operator);

    public AdminIdentity? Authenticate(string? authorization)
    {
        if (IsOpen)
        {
            return OpenAccess;
        }

        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorization[scheme.Length..].Trim()));
        AdminIdentity? match = null;
        foreach (var (digest, identity) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, presented))
            {
                match ??= identity;
            }
        }

        return match;
    }
}
