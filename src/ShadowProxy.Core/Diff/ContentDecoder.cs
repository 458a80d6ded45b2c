using System.Buffers;
using System.IO.Compression;
using System.Runtime.InteropServices;
using ShadowProxy.Core.Buffers;

namespace ShadowProxy.Core.Diff;

public enum DecodeStatus
{
    Decoded,

    /// <summary>Decoding would exceed the decoded-size cap (a compression bomb stops here).</summary>
    TooLarge,

    /// <summary>The bytes are not valid for the declared encoding.</summary>
    Corrupt,

    /// <summary>An encoding we do not decode; the body is compared as opaque bytes.</summary>
    Unsupported,
}

/// <summary>A body with its Content-Encoding removed; owns the pooled buffer it was decoded into.</summary>
public readonly struct DecodedBody(DecodeStatus status, ReadOnlyMemory<byte> bytes, CappedBuffer? owner, string? detail) : IDisposable
{
    public DecodeStatus Status { get; } = status;

    public ReadOnlyMemory<byte> Bytes { get; } = bytes;

    /// <summary>What went wrong, for the Body difference (e.g. "corrupt gzip body").</summary>
    public string? Detail { get; } = detail;

    public void Dispose() => owner?.Dispose();
}

/// <summary>Removes gzip, br and deflate Content-Encodings (stacked ones too), never expanding past a cap.</summary>
public static class ContentDecoder
{
    private const int ChunkSize = 16 * 1024;

    public static DecodedBody Decode(ReadOnlyMemory<byte> body, string? contentEncoding, long maxDecodedBytes)
    {
        if (string.IsNullOrWhiteSpace(contentEncoding))
        {
            return new DecodedBody(DecodeStatus.Decoded, body, null, null);
        }

        // Encodings are listed in the order they were applied, so undo them from the last.
        var codings = contentEncoding.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var current = body;
        CappedBuffer? owner = null;
        for (var i = codings.Length - 1; i >= 0; i--)
        {
            var coding = codings[i].ToLowerInvariant();
            if (coding == "identity")
            {
                continue;
            }

            if (coding is not ("gzip" or "x-gzip" or "br" or "deflate"))
            {
                owner?.Dispose();
                return new DecodedBody(DecodeStatus.Unsupported, body, null, $"content-encoding '{coding}' not decoded");
            }

            var output = new CappedBuffer(maxDecodedBytes);
            var status = Inflate(current, coding, output);
            owner?.Dispose();
            owner = output;
            if (status != DecodeStatus.Decoded)
            {
                owner.Dispose();
                var detail = status == DecodeStatus.TooLarge
                    ? $"too large to compare (over {maxDecodedBytes} bytes decoded)"
                    : $"corrupt {coding} body";
                return new DecodedBody(status, ReadOnlyMemory<byte>.Empty, null, detail);
            }

            current = output.Memory;
        }

        return new DecodedBody(DecodeStatus.Decoded, current, owner, null);
    }

    private static DecodeStatus Inflate(ReadOnlyMemory<byte> encoded, string coding, CappedBuffer output)
    {
        var segment = MemoryMarshal.TryGetArray(encoded, out var array) ? array : new ArraySegment<byte>(encoded.ToArray());
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            using var source = new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false);
            using var decoder = CreateDecoder(source, coding, segment);
            int read;
            while ((read = decoder.Read(chunk, 0, chunk.Length)) > 0)
            {
                output.Write(chunk.AsSpan(0, read));
                if (output.Overflowed)
                {
                    return DecodeStatus.TooLarge;
                }
            }

            return DecodeStatus.Decoded;
        }
        catch (InvalidDataException)
        {
            return DecodeStatus.Corrupt;
        }
        catch (IOException)
        {
            return DecodeStatus.Corrupt;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static Stream CreateDecoder(Stream source, string coding, ArraySegment<byte> encoded) => coding switch
    {
        "br" => new BrotliStream(source, CompressionMode.Decompress),
        // "deflate" means zlib-wrapped (RFC 9110), but some servers send raw deflate: tell them apart by the zlib header.
        "deflate" when HasZlibHeader(encoded) => new ZLibStream(source, CompressionMode.Decompress),
        "deflate" => new DeflateStream(source, CompressionMode.Decompress),
        _ => new GZipStream(source, CompressionMode.Decompress),
    };

    private static bool HasZlibHeader(ReadOnlySpan<byte> encoded) =>
        encoded.Length >= 2 && (encoded[0] & 0x0F) == 8 && ((encoded[0] << 8) | encoded[1]) % 31 == 0;
}
