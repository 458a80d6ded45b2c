namespace ShadowProxy.Core.Configuration;

/// <summary>The SQLite file of a single instance.</summary>
public sealed record SqliteStoreOptions
{
    public string Path { get; init; } = "data/shadowproxy.db";
}
