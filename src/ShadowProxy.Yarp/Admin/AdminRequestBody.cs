using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.Features;

namespace ShadowProxy.Admin;

/// <summary>
/// The one reader of admin request bodies (docs/security.md). It runs inside an endpoint, so after
/// authentication and authorization (<see cref="AdminAuthorization"/> is middleware, ahead of every
/// endpoint), and reads at most <see cref="MaxBytes"/> whatever the framing: a Content-Length above
/// it is refused unread, and a chunked body is cut off by the server at the same cap (set by
/// <see cref="AdminGuard"/>) before more is buffered. The bytes must be UTF-8 JSON: anything else is
/// a 400 with the reason, never a 500.
/// </summary>
internal static class AdminRequestBody
{
    public const int MaxBytes = 64 * 1024;

    /// <summary>True when the request carries a body at all (a declared length above 0, or chunked).</summary>
    public static bool IsPresent(HttpRequest request) =>
        request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    /// <summary>The body as a JSON document (null when there is none), or the problem to answer instead.</summary>
    public static async Task<(JsonDocument? Document, IResult? Problem)> ReadJsonAsync(HttpRequest request)
    {
        var (bytes, problem) = await ReadBytesAsync(request).ConfigureAwait(false);
        if (problem is not null || bytes is null)
        {
            return (null, problem);
        }

        try
        {
            return (JsonDocument.Parse(bytes), null);
        }
        catch (JsonException ex)
        {
            return (null, AdminProblems.BadRequest("The body is not valid JSON: " + ex.Message));
        }
    }

    /// <summary>The body deserialized as <typeparamref name="T"/> (web defaults: camelCase, case-insensitive), null when there is none.</summary>
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request)
        where T : class
    {
        var (bytes, problem) = await ReadBytesAsync(request).ConfigureAwait(false);
        if (problem is not null || bytes is null)
        {
            return (null, problem);
        }

        try
        {
            return (JsonSerializer.Deserialize<T>(bytes, JsonSerializerOptions.Web), null);
        }
        catch (JsonException ex)
        {
            return (null, AdminProblems.BadRequest("The body is not valid JSON for this endpoint: " + ex.Message));
        }
    }

    private static async Task<(byte[]? Bytes, IResult? Problem)> ReadBytesAsync(HttpRequest request)
    {
        if (!IsPresent(request))
        {
            return (null, null);
        }

        if (request.ContentLength > MaxBytes)
        {
            return (null, AdminProblems.PayloadTooLarge());
        }

        // The server stops a longer body at the cap (AdminGuard); this keeps the same cap when a host
        // (library mode) has not set it, so the buffer below never grows past it either way.
        var feature = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false, MaxRequestBodySize: null or > MaxBytes })
        {
            feature.MaxRequestBodySize = MaxBytes;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(MaxBytes + 1);
        try
        {
            var length = 0;
            int read;
            while ((read = await request.Body.ReadAsync(buffer.AsMemory(length, MaxBytes + 1 - length), request.HttpContext.RequestAborted).ConfigureAwait(false)) > 0)
            {
                length += read;
                if (length > MaxBytes)
                {
                    return (null, AdminProblems.PayloadTooLarge());
                }
            }

            if (length == 0)
            {
                return (null, null);
            }

            var bytes = buffer.AsSpan(0, length);
            if (!Utf8.IsValid(bytes))
            {
                return (null, AdminProblems.BadRequest("The body is not valid UTF-8."));
            }

            return (bytes.ToArray(), null);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, AdminProblems.PayloadTooLarge());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
