using System.Text.Json;
using ShadowProxy.Core.Endpoints;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Core.Replay;

/// <summary>A corpus read from a file: the rules it carries (defaults for a HAR from elsewhere) and its exchanges.</summary>
/// <param name="Skipped">Entries that cannot serve as a reference (no response, no recorded body), left out.</param>
public sealed record ReplayCorpus(string? Migration, ReplayRules Rules, IReadOnlyList<RecordedExchange> Exchanges, int Skipped = 0);

/// <summary>
/// The replay corpus as HAR 1.2, both ways: what <c>GET .../exchanges?format=har</c> writes and what
/// <c>shadowctl replay --from FILE.har</c> reads. The rules travel in <c>log._shadowProxy</c>; a HAR from a browser
/// or another tool replays too, under default rules.
/// </summary>
public static class HarArchive
{
    /// <summary>Where recorded requests point when the legacy address is not known.</summary>
    public static readonly Uri DefaultBase = new("http://localhost/");

    public static HarFile Export(string migration, ReplayRules rules, Uri? legacyAddress, IEnumerable<RecordedExchange> exchanges, DateTimeOffset exportedAt, string creatorVersion)
    {
        ArgumentNullException.ThrowIfNull(exchanges);
        var origin = (legacyAddress ?? DefaultBase).GetLeftPart(UriPartial.Authority);
        return new HarFile(new HarLog
        {
            Creator = new HarCreator("ShadowProxy", creatorVersion),
            Comment = $"Replay corpus of migration '{migration}': requests and the legacy backend's answers, redacted.",
            ShadowProxy = new HarShadowProxy { Migration = migration, ExportedAt = exportedAt, Rules = rules },
            Entries = [.. exchanges.Select(e => Entry(e, origin))],
        });
    }

    private static HarEntry Entry(RecordedExchange exchange, string origin)
    {
        var request = exchange.Request;
        var response = exchange.Response;
        var requestBody = request.Body;
        var body = response.Body;
        return new HarEntry
        {
            StartedDateTime = exchange.Time,
            Time = response.DurationMs,
            Endpoint = exchange.Endpoint,
            Id = exchange.Id == 0 ? null : exchange.Id,
            Request = new HarRequest
            {
                Method = request.Method,
                Url = origin + request.Path + request.Query,
                Headers = [.. request.Headers.Select(h => new HarHeader(h.Key, h.Value))],
                QueryString = QueryParameters(request.Query),
                PostData = requestBody is null ? null : new HarPostData
                {
                    MimeType = Header(request.Headers, "Content-Type") ?? string.Empty,
                    Text = requestBody.Content,
                    Encoding = requestBody.Base64 ? "base64" : null,
                },
                BodySize = requestBody?.Length ?? 0,
            },
            Response = new HarResponse
            {
                Status = response.Status,
                Headers = [.. response.Headers.Select(h => new HarHeader(h.Key, h.Value))],
                Content = new HarContent
                {
                    Size = body?.Length ?? 0,
                    MimeType = Header(response.Headers, "Content-Type") ?? string.Empty,
                    Text = body?.Content ?? string.Empty,
                    Encoding = body?.Base64 == true ? "base64" : null,
                },
            },
            Timings = new HarTimings { Send = 0, Wait = response.DurationMs, Receive = 0 },
        };
    }

    /// <exception cref="InvalidDataException">Not a HAR file, or an entry lacks what a replay needs (the message says where).</exception>
    public static ReplayCorpus Read(Stream utf8Json)
    {
        HarFile? file;
        try
        {
            file = JsonSerializer.Deserialize<HarFile>(utf8Json, CorpusJson.Options);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"not a HAR file: {ex.Message}", ex);
        }

        return Import(file ?? throw new InvalidDataException("not a HAR file: the document is null"));
    }

    /// <exception cref="InvalidDataException">An entry lacks what a replay needs (the message says where).</exception>
    public static ReplayCorpus Import(HarFile file)
    {
        if (file?.Log?.Entries is not { } entries)
        {
            throw new InvalidDataException("not a HAR file: log.entries is missing");
        }

        var exchanges = new List<RecordedExchange>(entries.Count);
        var skipped = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            if (ToExchange(entries[i], $"log.entries[{i}]") is { } exchange)
            {
                exchanges.Add(exchange);
            }
            else
            {
                skipped++;
            }
        }

        var meta = file.Log.ShadowProxy;
        return new ReplayCorpus(meta?.Migration, meta?.Rules ?? new ReplayRules(), exchanges, skipped);
    }

    /// <summary>The exchange an entry records, or null when it has no answer to compare with.</summary>
    private static RecordedExchange? ToExchange(HarEntry? entry, string where)
    {
        if (entry?.Request is not { } request || entry.Response is not { } response)
        {
            throw new InvalidDataException($"{where}: request and response are required");
        }

        if (string.IsNullOrEmpty(request.Method))
        {
            throw new InvalidDataException($"{where}.request.method is required");
        }

        if (!TrySplitUrl(request.Url, out var path, out var query))
        {
            throw new InvalidDataException($"{where}.request.url: '{request.Url}' is not an absolute http:// or https:// URL");
        }

        // A browser writes status 0 for a request that got no answer, and may leave bodies out: nothing to compare with.
        if (response.Status <= 0 || (response.Content is { Text: null, Size: > 0 }))
        {
            return null;
        }

        return new RecordedExchange
        {
            Id = entry.Id ?? 0,
            Time = entry.StartedDateTime,
            Endpoint = entry.Endpoint ?? EndpointTemplate.Create(request.Method, null, path),
            Request = new StoredRequest
            {
                Method = request.Method,
                Path = path,
                Query = query,
                Headers = Pairs(request.Headers),
                Body = request.PostData is { Text: { } text } post ? Body(text, post.Encoding, $"{where}.request.postData") : null,
            },
            Response = new StoredResponse
            {
                Status = response.Status,
                Headers = Pairs(response.Headers),
                Body = Body(response.Content?.Text ?? string.Empty, response.Content?.Encoding, $"{where}.response.content"),
                DurationMs = Math.Max(0, entry.Time),
            },
        };
    }

    private static StoredBody Body(string text, string? encoding, string where)
    {
        if (encoding is null || encoding.Length == 0)
        {
            return new StoredBody(text, Base64: false, Truncated: false, System.Text.Encoding.UTF8.GetByteCount(text));
        }

        if (!encoding.Equals("base64", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"{where}: encoding '{encoding}' is not supported (only base64)");
        }

        try
        {
            return new StoredBody(text, Base64: true, Truncated: false, Convert.FromBase64String(text).Length);
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException($"{where}: the text is not valid base64", ex);
        }
    }

    private static IReadOnlyList<KeyValuePair<string, string>> Pairs(IReadOnlyList<HarHeader>? headers) =>
        headers is null ? [] : [.. headers.Where(h => !string.IsNullOrEmpty(h?.Name)).Select(h => KeyValuePair.Create(h.Name, h.Value ?? string.Empty))];

    /// <summary>Path and query exactly as written (no normalization: a dot-segment stays a dot-segment).</summary>
    private static bool TrySplitUrl(string? url, out string path, out string query)
    {
        path = query = string.Empty;
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return false;
        }

        var afterScheme = url.IndexOf("://", StringComparison.Ordinal) + 3;
        var pathStart = url.IndexOfAny(['/', '?', '#'], afterScheme);
        var rest = pathStart < 0 ? string.Empty : url[pathStart..];
        var fragment = rest.IndexOf('#', StringComparison.Ordinal);
        if (fragment >= 0)
        {
            rest = rest[..fragment];
        }

        var q = rest.IndexOf('?', StringComparison.Ordinal);
        (path, query) = q < 0 ? (rest, string.Empty) : (rest[..q], rest[q..]);
        if (path.Length == 0)
        {
            path = "/";
        }

        return true;
    }

    private static IReadOnlyList<HarHeader> QueryParameters(string query)
    {
        if (query.Length <= 1)
        {
            return [];
        }

        return [.. query[1..].Split('&', StringSplitOptions.RemoveEmptyEntries).Select(pair =>
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            return eq < 0 ? new HarHeader(Unescape(pair), string.Empty) : new HarHeader(Unescape(pair[..eq]), Unescape(pair[(eq + 1)..]));
        })];

        static string Unescape(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
    }

    private static string? Header(IReadOnlyList<KeyValuePair<string, string>> headers, string name) =>
        headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
}
