using ShadowProxy.Core.Buffers;

namespace ShadowProxy.Core.Comparison;

/// <summary>
/// One mirrored request with both answers, as handed from the data path to the comparison
/// pipeline. Owns its pooled buffers until disposed.
/// </summary>
public sealed class ShadowExchange : IDisposable
{
    public required string Migration { get; init; }

    /// <summary>The route's path template (YARP syntax) the request matched; endpoint grouping starts from it.</summary>
    public string? RouteTemplate { get; init; }

    public required string Method { get; init; }

    /// <summary>The request path as the client sent it, without the query.</summary>
    public required string Path { get; init; }

    /// <summary>The query string including its leading '?', or empty.</summary>
    public string Query { get; init; } = string.Empty;

    public required IReadOnlyList<KeyValuePair<string, string>> RequestHeaders { get; init; }

    public CappedBuffer? RequestBody { get; init; }

    /// <summary>The backend that served the client.</summary>
    public required Backend Primary { get; init; }

    public required CapturedResponse Legacy { get; init; }

    public required CapturedResponse Candidate { get; init; }

    /// <summary>A second legacy answer to the same request (the noise probe, docs/comparison.md#the-noise-probe), or null.</summary>
    public CapturedResponse? Probe { get; init; }

    public required DateTimeOffset Timestamp { get; init; }

    public string? TraceId { get; init; }

    public void Dispose()
    {
        RequestBody?.Dispose();
        Legacy.Dispose();
        Candidate.Dispose();
        Probe?.Dispose();
    }
}
