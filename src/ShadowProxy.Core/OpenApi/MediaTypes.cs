namespace ShadowProxy.Core.OpenApi;

internal static class MediaTypes
{
    private const int MaxLength = 100;

    /// <summary>The media type of a Content-Type, lower case without parameters (<c>application/json</c>), or null.</summary>
    public static string? Normalize(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return null;
        }

        var span = contentType.AsSpan();
        var semicolon = span.IndexOf(';');
        span = (semicolon >= 0 ? span[..semicolon] : span).Trim();
        return span.IsEmpty || span.Length > MaxLength || span.IndexOf('/') <= 0 ? null : span.ToString().ToLowerInvariant();
    }

    public static bool IsJson(string? mediaType) =>
        mediaType is "application/json" or "text/json" || (mediaType is not null && mediaType.EndsWith("+json", StringComparison.Ordinal));

    public static bool IsText(string? mediaType) => mediaType is not null && mediaType.StartsWith("text/", StringComparison.Ordinal);

    /// <summary>JSON by its media type, or with none declared, by its first character.</summary>
    public static bool MayBeJson(string? mediaType, ReadOnlySpan<byte> body)
    {
        if (mediaType is not null)
        {
            return IsJson(mediaType);
        }

        var start = body.IndexOfAnyExcept(" \t\r\n"u8);
        return start >= 0 && body[start] is (byte)'{' or (byte)'[';
    }
}
