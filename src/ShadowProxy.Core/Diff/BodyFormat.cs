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

    // The values of a Body difference that says the format changed (SeverityRules reads them back).
    private const string FormatPrefix = "format: ";

    /// <summary>The value a body-format difference shows for <paramref name="format"/>: <c>format: json</c>.</summary>
    public static string FormatText(BodyFormat format) => FormatPrefix + format.ToString().ToLowerInvariant();

    /// <summary>The value for a body that claims or looks like JSON but does not parse.</summary>
    public static string InvalidJsonText => FormatPrefix + "invalid json";

    /// <summary>True when a Body difference's values are two different formats (JSON → text): a breaking change.</summary>
    public static bool IsFormatChange(string? legacy, string? candidate) =>
        legacy is not null && candidate is not null
        && legacy.StartsWith(FormatPrefix, StringComparison.Ordinal) && candidate.StartsWith(FormatPrefix, StringComparison.Ordinal)
        && !string.Equals(legacy, candidate, StringComparison.Ordinal);

    /// <summary>True when <paramref name="body"/> is one complete JSON value (only on the slow path: after a parse failed).</summary>
    public static bool IsValidJson(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(body, new System.Text.Json.JsonReaderOptions { MaxDepth = 256 });
            while (reader.Read())
            {
            }

            return reader.BytesConsumed > 0;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

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
