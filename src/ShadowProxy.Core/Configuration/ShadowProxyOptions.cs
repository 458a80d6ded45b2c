namespace ShadowProxy.Core.Configuration;

/// <summary>The whole <c>ShadowProxy</c> configuration section, after parsing and defaults.</summary>
public sealed record ShadowProxyOptions
{
    public const string SectionName = "ShadowProxy";

    public IReadOnlyList<string> Listen { get; init; } = ["http://127.0.0.1:8080"];

    public AdminOptions Admin { get; init; } = new();

    public StoreOptions Store { get; init; } = new();

    public LimitsOptions Limits { get; init; } = new();

    /// <summary>The certificate for <c>https://</c> listeners.</summary>
    public TlsOptions Tls { get; init; } = new();

    /// <summary>Webhooks told about ramp decisions (SPEC §13).</summary>
    public NotificationsOptions Notifications { get; init; } = new();

    /// <summary>Migrations in configuration order; names are unique (case-insensitive).</summary>
    public IReadOnlyList<MigrationOptions> Migrations { get; init; } = [];
}

public sealed record AdminOptions
{
    public string Listen { get; init; } = "http://127.0.0.1:8081";

    public IReadOnlyList<ApiKeyOptions> ApiKeys { get; init; } = [];
}

public enum AdminRole
{
    Viewer = 0,
    Sre = 1,
    Operator = 2,
}

public sealed record ApiKeyOptions
{
    public required string Name { get; init; }

    public AdminRole Role { get; init; } = AdminRole.Viewer;

    /// <summary>The key in clear. Exactly one of <see cref="Key"/> and <see cref="KeySha256"/> is set.</summary>
    public string? Key { get; init; }

    /// <summary>Lower-case hex SHA-256 of the key, so the secret need not sit in the file.</summary>
    public string? KeySha256 { get; init; }
}

public enum StoreProvider
{
    Sqlite,
    Redis,
}

public sealed record StoreOptions
{
    public StoreProvider Provider { get; init; } = StoreProvider.Sqlite;

    public SqliteStoreOptions Sqlite { get; init; } = new();

    public RedisStoreOptions Redis { get; init; } = new();

    /// <summary>Samples kept per migration × endpoint × path; the rest only count.</summary>
    public int SamplesPerPath { get; init; } = 5;

    /// <summary>Upper bound on stored samples per migration, whatever the number of paths.</summary>
    public int MaxSamplesPerMigration { get; init; } = 5000;

    /// <summary>Upper bound on distinct endpoint × path × kind counters per migration.</summary>
    public int MaxPathsPerMigration { get; init; } = 20000;

    /// <summary>Audit entries kept; older ones are deleted.</summary>
    public int MaxAuditEntries { get; init; } = 100_000;
}

public sealed record SqliteStoreOptions
{
    public string Path { get; init; } = "data/shadowproxy.db";
}

public sealed record RedisStoreOptions
{
    public string Configuration { get; init; } = "127.0.0.1:6379";

    public string KeyPrefix { get; init; } = "shadowproxy:";
}

/// <summary>
/// The server certificate of <c>https://</c> listeners: a PEM certificate with its PEM key
/// (<see cref="KeyPath"/>), or a PKCS#12 file with an optional <see cref="Password"/>.
/// </summary>
public sealed record TlsOptions
{
    public string? CertificatePath { get; init; }

    public string? KeyPath { get; init; }

    public string? Password { get; init; }
}

/// <summary>Kestrel limits for the client-facing listener.</summary>
public sealed record LimitsOptions
{
    public long MaxRequestBodyBytes { get; init; } = 100L * 1024 * 1024;

    public int MaxRequestHeadersTotalBytes { get; init; } = 64 * 1024;

    public int MaxRequestLineBytes { get; init; } = 16 * 1024;

    public TimeSpan RequestHeadersTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
