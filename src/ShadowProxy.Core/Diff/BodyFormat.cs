using System.Text.Unicode;

namespace ShadowProxy.Core.Diff;

internal enum BodyFormat
{
    Json,
    Text,
    Binary,
}

/// <summary>Chooses how a body is compared from its Content-Type, sniffing when there is none.</summary>
internal static class BodyFormats
{
    private const int SniffBytes = 1024;

    public static BodyFormat Classify(string? contentType, ReadOnlySpan<byte> body)
    {
        var mediaType = MediaType(contentType);
        if (mediaType.IsEmpty)
        {
            return Sniff(body);
        }

        if (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("text/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
        {
            return BodyFormat.Json;
        }

        if (mediaType.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+xml", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/xml", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/javascript", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return BodyFormat.Text;
        }

        return BodyFormat.Binary;
    }

    /// <summary>True when the body reads as UTF-8 text (checked on its first KB).</summary>
    public static bool LooksLikeText(ReadOnlySpan<byte> body)
    {
        var sample = body.Length > SniffBytes ? body[..SniffBytes] : body;
        foreach (var b in sample)
        {
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r'))
            {
                return false;
            }
        }

        // A multi-byte character may be cut at the sample's end: accept an incomplete last sequence.
        return Utf8.IsValid(sample) || (sample.Length == SniffBytes && Utf8.IsValid(sample[..^4]));
    }

    private static BodyFormat Sniff(ReadOnlySpan<byte> body)
    {
        var trimmed = body.TrimStart(" \t\r\n"u8);
        if (!trimmed.IsEmpty && trimmed[0] is (byte)'{' or (byte)'[')
        {
            return BodyFormat.Json;
        }

        return LooksLikeText(body) ? BodyFormat.Text : BodyFormat.Binary;
    }

    private static ReadOnlySpan<char> MediaType(string? contentType)
    {
        if (contentType is null)
        {
            return [];
        }

        var span = contentType.AsSpan();
        var semicolon = span.IndexOf(';');
        return (semicolon >= 0 ? span[..semicolon] : span).Trim();
    }
}
