namespace ShadowProxy.Configuration;

/// <summary>One admin API key: its name (written to the audit log) and its role.</summary>
internal sealed record ApiKeyOptions
{
    public string Name { get; init; } = string.Empty;

    public AdminRole Role { get; init; } = AdminRole.Viewer;

    /// <summary>The key in clear. Exactly one of <see cref="Key"/> and <see cref="KeySha256"/> is set.</summary>
    public string? Key { get; init; }

    /// <summary>Lower-case hex SHA-256 of the key, so the secret need not sit in the file.</summary>
    public string? KeySha256 { get; init; }
}
