namespace ShadowProxy.Configuration;

/// <summary>The Redis a fleet shares: StackExchange.Redis configuration string and key prefix.</summary>
internal sealed record RedisStoreOptions
{
    public string Configuration { get; init; } = "127.0.0.1:6379";

    public string KeyPrefix { get; init; } = "shadowproxy:";
}
