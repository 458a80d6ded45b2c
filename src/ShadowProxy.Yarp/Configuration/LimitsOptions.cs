namespace ShadowProxy.Configuration;

/// <summary>Kestrel limits for the client-facing listener.</summary>
internal sealed record LimitsOptions
{
    public long MaxRequestBodyBytes { get; init; } = 100L * 1024 * 1024;

    public int MaxRequestHeadersTotalBytes { get; init; } = 64 * 1024;

    public int MaxRequestLineBytes { get; init; } = 16 * 1024;

    public TimeSpan RequestHeadersTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
