using System.Text;
using ShadowProxy.Core.Buffers;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Redaction;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Core.Replay;

/// <summary>
/// Compares a target's answer with a recorded legacy answer by <see cref="ReplayRules"/>, through the proxy's own
/// <see cref="DiffEngine"/>. The target's answer is first made like a recorded one (body decoded, then redacted by
/// the same rules), so that redaction and Content-Encoding never show as differences. Immutable and thread-safe.
/// </summary>
public sealed class ReplayJudge
{
    private readonly DiffEngine _engine;
    private readonly Redactor _redactor;
    private readonly long _maxDecodedBytes;
    private readonly EndpointNoise _noise;

    /// <exception cref="ArgumentException">A path in <paramref name="rules"/> is invalid (the message names it).</exception>
    public ReplayJudge(ReplayRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _engine = new DiffEngine(rules.Diff);
        _redactor = new Redactor(rules.Redact);
        _maxDecodedBytes = rules.Diff.MaxDecodedBytes;
        _noise = new EndpointNoise(rules.Noise.Select(n => (n.Path, n.Endpoint)));
    }

    /// <summary>The cap on a target's body: what the diff engine would decode at most.</summary>
    public long MaxBodyBytes => _maxDecodedBytes;

    public ComparisonResult Judge(RecordedExchange recorded, CapturedResponse target)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(target);
        using var legacy = Recorded(recorded.Response);
        using var comparable = Comparable(target);
        return _engine.Compare(legacy, comparable ?? target, _noise.For(recorded.Endpoint));
    }

    private static CapturedResponse Recorded(StoredResponse response)
    {
        if (response.Status == 0)
        {
            return CapturedResponse.Failed(BackendFailure.ConnectionError, TimeSpan.FromMilliseconds(response.DurationMs), response.Failure);
        }

        var bytes = BodyBytes(response.Body);
        return new CapturedResponse(response.Status, response.Headers, Buffer(bytes), TimeSpan.FromMilliseconds(response.DurationMs));
    }

    /// <summary>
    /// The target's answer as the corpus would have kept it: decoded, redacted, without its encoding headers; null
    /// when it is compared as it came (no answer, a body cut at the cap, or one that does not decode: the diff
    /// engine reports those).
    /// </summary>
    private CapturedResponse? Comparable(CapturedResponse target)
    {
        if (target.Failure != BackendFailure.None || target.BodyTruncated)
        {
            return null;
        }

        using var decoded = ContentDecoder.Decode(target.Body, target.GetHeader("Content-Encoding"), _maxDecodedBytes);
        if (decoded.Status != DecodeStatus.Decoded)
        {
            return null;
        }

        var headers = _redactor.RedactHeaders(target.Headers.Where(h => !RecordedExchange.IsEncodingHeader(h.Key)));
        return new CapturedResponse(target.StatusCode, headers, Buffer(_redactor.RedactJsonBody(decoded.Bytes.Span)), target.Duration);
    }

    /// <summary>The bytes of a stored body: UTF-8 text as is, anything else base64.</summary>
    public static byte[] BodyBytes(StoredBody? body) =>
        body is null ? [] : body.Base64 ? Convert.FromBase64String(body.Content) : Encoding.UTF8.GetBytes(body.Content);

    private static CappedBuffer Buffer(byte[] bytes)
    {
        var buffer = new CappedBuffer(bytes.Length);
        buffer.Write(bytes);
        return buffer;
    }
}
