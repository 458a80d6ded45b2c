namespace ShadowProxy.Core.Configuration;

/// <summary>The replay corpus of a migration (docs/configuration.md#replay): what the store keeps for <c>shadowctl replay</c>.</summary>
public sealed record ReplayOptions
{
    /// <summary>The largest <see cref="PerEndpoint"/> accepted: the corpus is a sample of traffic, not a log.</summary>
    public const int MaxPerEndpoint = 1000;

    /// <summary>Exchanges (request and legacy response) kept per endpoint, the newest; 0 records none.</summary>
    public int PerEndpoint { get; init; } = 20;
}
