using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Redaction;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Core.Replay;

/// <summary>
/// One exchange of the replay corpus (docs/admin-api.md#replay-corpus): a request as the backends got it and legacy's answer to it, both
/// redacted, the body decoded. What a replay sends again and compares the target's answer with.
/// </summary>
public sealed record RecordedExchange
{
    /// <summary>The store's id (grows with time); 0 before it is stored or when read from a file without one.</summary>
    public long Id { get; init; }

    public required DateTimeOffset Time { get; init; }

    /// <summary>Method and path template, as the proxy groups differences, e.g. <c>GET /api/orders/{id}</c>.</summary>
    public required string Endpoint { get; init; }

    public required StoredRequest Request { get; init; }

    /// <summary>Legacy's answer: the reference a replay compares with.</summary>
    public required StoredResponse Response { get; init; }

    /// <summary>Request headers a replay never sends again: the proxy's own marker and hop-by-hop headers.</summary>
    public static bool IsTransportHeader(string name) =>
        name.Equals("X-Shadow-Request", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Host", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
        || name.Equals("TE", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Trailer", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The exchange as the corpus keeps it, or null (with the reason) when it cannot serve as a reference: legacy
    /// gave no answer, or a body was too large to keep whole (a replay must compare against the complete answer).
    /// </summary>
    public static RecordedExchange? Capture(ShadowExchange exchange, string endpoint, Redactor redactor, long maxDecodedBytes, out string? skipped)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        ArgumentNullException.ThrowIfNull(endpoint);
        if (exchange.Legacy.Failure != BackendFailure.None)
        {
            skipped = "legacy failed";
            return null;
        }

        var request = SampleCapture.Request(exchange, redactor, exchange.RequestHeaders.Where(h => !IsTransportHeader(h.Key)));
        var response = SampleCapture.Response(exchange.Legacy, redactor, maxDecodedBytes);
        if (request.Body?.Truncated == true || response.Body?.Truncated == true)
        {
            skipped = "body too large";
            return null;
        }

        skipped = null;
        return new RecordedExchange
        {
            Time = exchange.Timestamp,
            Endpoint = endpoint,
            Request = request,

            // The body is stored decoded: its Content-Encoding no longer describes it.
            Response = response with { Headers = [.. response.Headers.Where(h => !IsEncodingHeader(h.Key))] },
        };
    }

    /// <summary>Headers that describe the bytes on the wire rather than the (decoded) body kept here.</summary>
    public static bool IsEncodingHeader(string name) =>
        name.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase);
}
