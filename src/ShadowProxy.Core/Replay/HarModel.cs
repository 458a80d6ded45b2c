using System.Text.Json.Serialization;

namespace ShadowProxy.Core.Replay;

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), as far as an exchange needs it. Every field the
// format requires is always written; optional ones are left out when empty. Custom fields start with '_'.

public sealed record HarFile(HarLog Log);

public sealed record HarLog
{
    public string Version { get; init; } = "1.2";

    public required HarCreator Creator { get; init; }

    public required IReadOnlyList<HarEntry> Entries { get; init; }

    public string? Comment { get; init; }

    /// <summary>ShadowProxy's own: the migration, its diff rules and the noise in force at export time.</summary>
    [JsonPropertyName("_shadowProxy")]
    public HarShadowProxy? ShadowProxy { get; init; }
}

public sealed record HarCreator(string Name, string Version);

public sealed record HarShadowProxy
{
    public string? Migration { get; init; }

    public DateTimeOffset ExportedAt { get; init; }

    public ReplayRules Rules { get; init; } = new();
}

public sealed record HarEntry
{
    public required DateTimeOffset StartedDateTime { get; init; }

    /// <summary>Total milliseconds: the sum of the <see cref="Timings"/> that are not -1.</summary>
    public required double Time { get; init; }

    public required HarRequest Request { get; init; }

    public required HarResponse Response { get; init; }

    public HarCache Cache { get; init; } = new();

    public required HarTimings Timings { get; init; }

    [JsonPropertyName("_endpoint")]
    public string? Endpoint { get; init; }

    [JsonPropertyName("_id")]
    public long? Id { get; init; }
}

public sealed record HarRequest
{
    public required string Method { get; init; }

    public required string Url { get; init; }

    public string HttpVersion { get; init; } = "HTTP/1.1";

    public IReadOnlyList<HarCookie> Cookies { get; init; } = [];

    public IReadOnlyList<HarHeader> Headers { get; init; } = [];

    public IReadOnlyList<HarHeader> QueryString { get; init; } = [];

    public HarPostData? PostData { get; init; }

    public long HeadersSize { get; init; } = -1;

    public long BodySize { get; init; } = -1;
}

public sealed record HarResponse
{
    public required int Status { get; init; }

    public string StatusText { get; init; } = string.Empty;

    public string HttpVersion { get; init; } = "HTTP/1.1";

    public IReadOnlyList<HarCookie> Cookies { get; init; } = [];

    public IReadOnlyList<HarHeader> Headers { get; init; } = [];

    public required HarContent Content { get; init; }

    [JsonPropertyName("redirectURL")]
    public string RedirectUrl { get; init; } = string.Empty;

    public long HeadersSize { get; init; } = -1;

    public long BodySize { get; init; } = -1;
}

/// <summary>A header or a query parameter.</summary>
public sealed record HarHeader(string Name, string Value);

public sealed record HarCookie(string Name, string Value);

public sealed record HarPostData
{
    public string MimeType { get; init; } = string.Empty;

    public string? Text { get; init; }

    /// <summary>"base64" when <see cref="Text"/> is a binary body in base64 (HAR's postData has no field for it).</summary>
    [JsonPropertyName("_encoding")]
    public string? Encoding { get; init; }
}

public sealed record HarContent
{
    /// <summary>Bytes of the body as returned (decoded).</summary>
    public long Size { get; init; }

    public string MimeType { get; init; } = string.Empty;

    public string? Text { get; init; }

    /// <summary>"base64" when <see cref="Text"/> holds a binary body.</summary>
    public string? Encoding { get; init; }
}

public sealed record HarCache;

public sealed record HarTimings
{
    public double Blocked { get; init; } = -1;

    public double Dns { get; init; } = -1;

    public double Connect { get; init; } = -1;

    public double Send { get; init; }

    public double Wait { get; init; }

    public double Receive { get; init; }

    public double Ssl { get; init; } = -1;
}
