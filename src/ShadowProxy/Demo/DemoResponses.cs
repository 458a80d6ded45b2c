using System.Buffers;
using System.IO.Compression;
using System.Text.Json;

namespace ShadowProxy.Demo;

/// <summary>
/// How the demo backends answer: JSON written by hand into a buffer, then sent with its length, or gzipped when the
/// response may be compressed and the client accepts it; errors as <c>application/problem+json</c>.
/// </summary>
internal static class DemoResponses
{
    public const string JsonContentType = "application/json; charset=utf-8";
    public const string ProblemContentType = "application/problem+json; charset=utf-8";

    /// <summary>Per-response values that always differ between the two backends.</summary>
    public static void WriteMeta(Utf8JsonWriter json)
    {
        json.WriteStartObject("meta");
        json.WriteString("requestId", Guid.NewGuid().ToString("N"));
        json.WriteString("generatedAt", DateTimeOffset.UtcNow);
        json.WriteEndObject();
    }

    public static Task WriteProblemAsync(HttpContext context, int statusCode, string title, string detail) =>
        WriteJsonAsync(context, statusCode, json =>
        {
            json.WriteStartObject();
            json.WriteString("type", "about:blank");
            json.WriteString("title", title);
            json.WriteNumber("status", statusCode);
            json.WriteString("detail", detail);
            json.WriteEndObject();
        }, contentType: ProblemContentType);

    public static async Task WriteJsonAsync(
        HttpContext context, int statusCode, Action<Utf8JsonWriter> write, bool compressible = false, string contentType = JsonContentType)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer))
        {
            write(json);
        }

        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = contentType;
        if (!compressible)
        {
            response.ContentLength = buffer.WrittenCount;
            await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        response.Headers.Vary = "Accept-Encoding";
        if (!AcceptsGzip(context.Request))
        {
            response.ContentLength = buffer.WrittenCount;
            await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        response.Headers.ContentEncoding = "gzip";
        var gzip = new GZipStream(response.Body, CompressionLevel.Fastest, leaveOpen: true);
        await using (gzip.ConfigureAwait(false))
        {
            await gzip.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>True when <c>Accept-Encoding</c> lists gzip (or *) without <c>q=0</c>.</summary>
    public static bool AcceptsGzip(HttpRequest request)
    {
        foreach (var value in request.Headers.AcceptEncoding)
        {
            foreach (var part in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var semicolon = part.IndexOf(';', StringComparison.Ordinal);
                var coding = semicolon < 0 ? part : part[..semicolon].TrimEnd();
                var refused = semicolon >= 0 && part[(semicolon + 1)..].Replace(" ", string.Empty, StringComparison.Ordinal) is "q=0" or "q=0.0" or "q=0.00" or "q=0.000";
                if (!refused && (coding.Equals("gzip", StringComparison.OrdinalIgnoreCase) || coding == "*"))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
