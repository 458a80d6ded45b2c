using ShadowProxy.Core.Configuration;

namespace ShadowProxy.Configuration;

/// <summary>The whole <c>ShadowProxy</c> configuration section, after parsing and defaults.</summary>
internal sealed record ShadowProxyOptions
{
    public const string SectionName = "ShadowProxy";

    /// <summary>Keys only the standalone executable reads (its Kestrel listeners); an application hosting the library refuses them.</summary>
    public static readonly IReadOnlyList<string> StandaloneKeys = ["Listen", "Admin:Listen", "Tls", "Limits"];

    public IReadOnlyList<string> Listen { get; init; } = ["http://127.0.0.1:8080"];

    public AdminOptions Admin { get; init; } = new();

    public StoreOptions Store { get; init; } = new();

    public LimitsOptions Limits { get; init; } = new();

    /// <summary>The certificate for <c>https://</c> listeners.</summary>
    public TlsOptions Tls { get; init; } = new();

    /// <summary>Migrations in configuration order; names are unique (case-insensitive).</summary>
    public IReadOnlyList<MigrationOptions> Migrations { get; init; } = [];

    /// <summary>Webhooks told about ramp decisions (docs/configuration.md#notifications).</summary>
    public NotificationsOptions Notifications { get; init; } = new();
}
