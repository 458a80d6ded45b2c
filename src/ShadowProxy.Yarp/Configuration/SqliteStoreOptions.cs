namespace ShadowProxy.Configuration;

/// <summary>The SQLite file of a single instance.</summary>
internal sealed record SqliteStoreOptions
{
    public string Path { get; init; } = "data/shadowproxy.db";
}
