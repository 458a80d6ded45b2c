using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Redaction;

namespace ShadowProxy.Core.Storage;

/// <summary>
/// Turns what the data path captured into what the store keeps, redacted before it gets there: the request and a
/// response with its body decoded (what a person reads, and what a replay compares against). Used for diff samples
/// and for the replay corpus alike, so both apply the same redaction.
/// </summary>
public static class SampleCapture
{
    public static StoredRequest Request(ShadowExchange exchange, Redactor redactor, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        ArgumentNullException.ThrowIfNull(redactor);
        return new StoredRequest
        {
            Method = exchange.Method,
            Path = exchange.Path,
            Query = exchange.Query,
            Headers = redactor.RedactHeaders(headers ?? exchange.RequestHeaders),
            Body = exchange.RequestBody is { Length: > 0 } body ? Body(body.Span, body.Overflowed, body.TotalBytes, redactor) : null,
        };
    }

    public static StoredResponse Response(CapturedResponse response, Redactor redactor, long maxDecodedBytes)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(redactor);
        if (response.Failure != BackendFailure.None)
        {
            return new StoredResponse { Status = 0, DurationMs = response.Duration.TotalMilliseconds, Failure = response.FailureDetail ?? response.Failure.ToString() };
        }

        // Samples show what a person would read: the body with its Content-Encoding removed.
        using var decoded = ContentDecoder.Decode(response.Body, response.GetHeader("Content-Encoding"), Math.Min(maxDecodedBytes, StoredBody.MaxBytes * 4L));
        var body = decoded.Status == DecodeStatus.Decoded
            ? Body(decoded.Bytes.Span, response.BodyTruncated, null, redactor)
            : new StoredBody($"(body not stored: {decoded.Detail ?? decoded.Status.ToString()})", Base64: false, Truncated: true, response.BodyBytesSeen);
        return new StoredResponse
        {
            Status = response.StatusCode,
            Headers = redactor.RedactHeaders(response.Headers),
            Body = body,
            DurationMs = response.Duration.TotalMilliseconds,
        };
    }

    // A cut-off JSON body cannot be parsed, so its redacted paths cannot be found: it is not kept.
    private static StoredBody Body(ReadOnlySpan<byte> bytes, bool truncated, long? length, Redactor redactor) =>
        truncated
            ? new StoredBody("(body not stored: it was cut at the capture limit and could not be redacted)", Base64: false, Truncated: true, length ?? bytes.Length)
            : StoredBody.Create(redactor.RedactJsonBody(bytes), alreadyTruncated: false, length ?? bytes.Length);
}
