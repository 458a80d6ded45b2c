using ShadowProxy.Core.Buffers;

namespace ShadowProxy.Core.Comparison;

public enum Backend
{
    Legacy,
    Candidate,
}

/// <summary>Why a backend gave no usable HTTP response.</summary>
public enum BackendFailure
{
    None,
    Timeout,
    ConnectionError,
    ProtocolError,
    Canceled,
}

/// <summary>
/// One backend's answer as the comparison sees it: status, headers and a bounded copy of the body
/// (still Content-Encoded as the backend sent it). Owns the pooled body buffer.
/// </summary>
public sealed class CapturedResponse : IDisposable
{
    private readonly CappedBuffer? _body;

    public CapturedResponse(int statusCode, IReadOnlyList<KeyValuePair<string, string>> headers, CappedBuffer? body, TimeSpan duration)
    {
        StatusCode = statusCode;
        Headers = headers;
        _body = body;
        Duration = duration;
    }

    private CapturedResponse(BackendFailure failure, TimeSpan duration, string? detail)
    {
        Failure = failure;
        FailureDetail = detail;
        Headers = [];
        Duration = duration;
    }

    public static CapturedResponse Failed(BackendFailure failure, TimeSpan duration, string? detail = null) => new(failure, duration, detail);

    /// <summary>0 when <see cref="Failure"/> is not <see cref="BackendFailure.None"/>.</summary>
    public int StatusCode { get; }

    /// <summary>Response and content headers; names as sent, multiple values joined with ", ".</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    public ReadOnlyMemory<byte> Body => _body?.Memory ?? ReadOnlyMemory<byte>.Empty;

    /// <summary>True when the body was longer than the capture cap; <see cref="Body"/> is then a prefix.</summary>
    public bool BodyTruncated => _body?.Overflowed ?? false;

    public long BodyBytesSeen => _body?.TotalBytes ?? 0;

    public TimeSpan Duration { get; }

    public BackendFailure Failure { get; }

    public string? FailureDetail { get; }

    /// <summary>5xx or no response at all: what the gates count as an error.</summary>
    public bool IsError => Failure != BackendFailure.None || StatusCode >= 500;

    public string? GetHeader(string name)
    {
        foreach (var header in Headers)
        {
            if (string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return header.Value;
            }
        }

        return null;
    }

    public void Dispose() => _body?.Dispose();
}
