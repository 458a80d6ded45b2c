using System.IO.Compression;
using System.Text;
using ShadowProxy.Core.Buffers;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Diff;

namespace ShadowProxy.Core.Tests.Diff;

/// <summary>Builds captured responses and runs comparisons for the diff tests.</summary>
internal static class TestResponses
{
    public static CapturedResponse Json(string json, int status = 200, params (string Name, string Value)[] headers) =>
        Create(status, Encoding.UTF8.GetBytes(json), [("Content-Type", "application/json"), .. headers]);

    public static CapturedResponse Create(int status, byte[] body, (string Name, string Value)[] headers, long captureCap = long.MaxValue)
    {
        var buffer = new CappedBuffer(Math.Min(captureCap, 64L * 1024 * 1024));
        buffer.Write(body);
        return new CapturedResponse(status, [.. headers.Select(h => KeyValuePair.Create(h.Name, h.Value))], buffer, TimeSpan.FromMilliseconds(1));
    }

    public static ComparisonResult CompareJson(string legacy, string candidate, DiffOptions? options = null, PathPatternSet? extraNoise = null)
    {
        using var left = Json(legacy);
        using var right = Json(candidate);
        return new DiffEngine(options ?? new DiffOptions()).Compare(left, right, extraNoise);
    }

    public static byte[] Encode(string coding, byte[] data)
    {
        using var output = new MemoryStream();
        using (Stream encoder = coding switch
        {
            "gzip" => new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true),
            "br" => new BrotliStream(output, CompressionLevel.Fastest, leaveOpen: true),
            "deflate" => new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true),
            "raw-deflate" => new DeflateStream(output, CompressionLevel.Fastest, leaveOpen: true),
            _ => throw new ArgumentOutOfRangeException(nameof(coding)),
        })
        {
            encoder.Write(data);
        }

        return output.ToArray();
    }

    public static Difference Single(this ComparisonResult result)
    {
        Assert.Single(result.Differences);
        return result.Differences[0];
    }
}
