using System.Text;
using ShadowProxy.Core.Gates;

namespace ShadowProxy.Core.Storage;

/// <summary>One compared pair as the store keeps it: counted always, with a sample when one is wanted.</summary>
public sealed record ComparisonRecord
{
    public required string Migration { get; init; }

    /// <summary>Method + path template, e.g. "GET /api/orders/{id}".</summary>
    public required string Endpoint { get; init; }

    public required DateTimeOffset Timestamp { get; init; }

    public required ComparisonTally Outcome { get; init; }

    /// <summary>The candidate's version (docs/comparison.md#candidate-versions): its version header, else the declared version, else <c>unknown</c>.</summary>
    public string Version { get; init; } = Versions.CandidateVersion.Unknown;

    public IReadOnlyList<StoredDifference> Differences { get; init; } = [];

    /// <summary>The comparison kept only its first <c>Diff:MaxDifferences</c>: <see cref="Differences"/> may not list all.</summary>
    public bool DifferencesTruncated { get; init; }

    /// <summary>Already redacted by the caller; null when no sample is wanted.</summary>
    public StoredSample? Sample { get; init; }
}

/// <summary>
/// One difference: <see cref="Path"/> like "$.items[2].price", "status" or "header:Content-Type". A struct: a
/// record's differences are one array, not an object each, while it waits to be written.
/// </summary>
public readonly record struct StoredDifference(string Path, string Kind, string? Legacy, string? Candidate, bool IsNoise)
{
    /// <summary><c>breaking</c>, <c>risky</c> or <c>cosmetic</c> by the rules in force when read (docs/comparison.md#severity); set by the API, not stored.</summary>
    public string? Severity { get; init; }
    /// <summary><c>config</c>, <c>mark</c> or <c>probe</c> when noise; when read through the API, by the rules in force then.</summary>
    public string? NoiseSource { get; init; }

    /// <summary>For a <c>Renamed</c> key: its path in the candidate's response.</summary>
    public string? CandidatePath { get; init; }
}

/// <summary>A redacted request with both responses.</summary>
public sealed record StoredSample
{
    public required StoredRequest Request { get; init; }

    public required StoredResponse Legacy { get; init; }

    public required StoredResponse Candidate { get; init; }
}

public sealed record StoredRequest
{
    public required string Method { get; init; }

    /// <summary>Path without the query.</summary>
    public required string Path { get; init; }

    /// <summary>The query with its leading '?', or empty.</summary>
    public string Query { get; init; } = string.Empty;

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    public StoredBody? Body { get; init; }
}

public sealed record StoredResponse
{
    /// <summary>0 when the backend gave no response.</summary>
    public required int Status { get; init; }

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    public StoredBody? Body { get; init; }

    public double DurationMs { get; init; }

    /// <summary>Why there was no response (timeout, connection error), or null.</summary>
    public string? Failure { get; init; }
}

/// <summary>
/// A body as text: UTF-8 as is, anything else base64. Bounded: <see cref="Create"/> keeps at most
/// <see cref="MaxBytes"/> bytes and says so in <see cref="Truncated"/>.
/// </summary>
/// <param name="Length">Bytes the body had before any truncation (as far as they were seen).</param>
public sealed record StoredBody(string Content, bool Base64, bool Truncated, long Length)
{
    public const int MaxBytes = 64 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <param name="alreadyTruncated">The bytes are a prefix already (the capture overflowed).</param>
    /// <param name="length">The body's full length when known; else the length of <paramref name="bytes"/>.</param>
    public static StoredBody Create(ReadOnlySpan<byte> bytes, bool alreadyTruncated = false, long? length = null, int maxBytes = MaxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        var total = length ?? bytes.Length;
        var truncated = alreadyTruncated;
        if (bytes.Length > maxBytes)
        {
            bytes = bytes[..maxBytes];
            truncated = true;
        }

        if (truncated)
        {
            // A cut may split a multi-byte character: drop the partial tail so that text stays text.
            bytes = bytes[..Utf8PrefixLength(bytes)];
        }

        try
        {
            return new StoredBody(StrictUtf8.GetString(bytes), false, truncated, total);
        }
        catch (DecoderFallbackException)
        {
            return new StoredBody(Convert.ToBase64String(bytes), true, truncated, total);
        }
    }

    /// <summary>This body within <paramref name="maxBytes"/> (a store's defence against oversized callers).</summary>
    public StoredBody Capped(int maxBytes = MaxBytes)
    {
        var bytes = Base64 ? (Content.Length / 4 * 3) - Content.AsSpan()[^Math.Min(2, Content.Length)..].Count('=') : Encoding.UTF8.GetByteCount(Content);
        if (bytes <= maxBytes)
        {
            return this;
        }

        if (Base64)
        {
            // Binary stays binary, even when its prefix happens to be valid UTF-8.
            return new StoredBody(Convert.ToBase64String(Convert.FromBase64String(Content).AsSpan(0, maxBytes)), true, true, Length);
        }

        return Create(Encoding.UTF8.GetBytes(Content), alreadyTruncated: true, Length, maxBytes);
    }

    /// <summary>Length of the longest prefix that does not end inside a multi-byte UTF-8 sequence.</summary>
    private static int Utf8PrefixLength(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.Length;
        for (var back = 1; back <= 3 && back <= bytes.Length; back++)
        {
            var b = bytes[^back];
            if ((b & 0xC0) != 0x80)
            {
                // A lead byte: the sequence needs 2, 3 or 4 bytes; keep it only when complete.
                var need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
                return need > back ? end - back : end;
            }
        }

        return end;
    }
}
