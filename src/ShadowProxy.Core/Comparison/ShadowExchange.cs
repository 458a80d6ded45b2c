using ShadowProxy.Core.Buffers;

namespace ShadowProxy.Core.Comparison;

/// <summary>
/// One mirrored request with both answers, as handed from the data path to the comparison
/// pipeline. Owns its pooled buffers until disposed.
/// </summary>
public sealed class ShadowExchange : IDisposable
{
    public required string Migration { get; init; }

    /// <summary>Method + folded path template, e.g. <c>GET /api/orders/{id}</c>.</summary>
    public required string Endpoint { get; init; }

    public required string Method { get; init; }

    /// <summary>Path and query as the client sent them.</summary>
    public required string PathAndQuery { get; init; }

    public required IReadOnlyList<KeyValuePair<string, string>> RequestHeaders { get; init; }

    public CappedBuffer? RequestBody { get; init; }

    /// <summary>The backend that served the client.</summary>
    public required Backend Primary { get; init; }

    public required CapturedResponse Legacy { get; init; }

    public required CapturedResponse Candidate { get; init; }

    public required DateTimeOffset Timestamp { get; init; }

    public string? TraceId { get; init; }

    public void Dispose()
    {
        RequestBody?.Dispose();
        Legacy.Dispose();
        Candidate.Dispose();
    }
}
