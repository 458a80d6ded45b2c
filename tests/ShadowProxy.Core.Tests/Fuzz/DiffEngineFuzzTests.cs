using System.Text;
using CsCheck;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Diff;
using static ShadowProxy.Core.Tests.Diff.TestResponses;

namespace ShadowProxy.Core.Tests.Fuzz;

/// <summary>
/// Property-based fuzzing of the diff engine with hostile input: random bytes, random, deep and huge
/// JSON, random Content-Encodings (valid, stacked, corrupt, unknown) and Content-Types, truncated
/// captures. Properties: Compare never throws; differences stay within MaxDifferences; a response never
/// differs from itself. Short by default; <c>CsCheck_Time=N</c> (seconds per property) for a long run.
/// </summary>
public sealed class DiffEngineFuzzTests
{
    private const int MaxDifferences = 50;

    private static readonly DiffOptions Options = new()
    {
        MaxDifferences = MaxDifferences,
        MaxDecodedBytes = 1024 * 1024,
        UnorderedArrays = ["$..u", "$[*]"],
        IgnoreJsonPaths = ["$..ignored"],
    };

    private static readonly DiffEngine Engine = new(Options);

    private static readonly Gen<string?> ContentType = Gen.OneOf<string?>(
        null, "application/json", "application/problem+json; charset=utf-8", "text/plain", "text/html", "application/xml",
        "application/octet-stream", "image/png", "", ";;;", "application/json; charset=latin1", "multipart/form-data; boundary=x");

    private static readonly Gen<string?> Coding = Gen.OneOf<string?>(
        null, "gzip", "br", "deflate", "raw-deflate", "identity", "gzip, br", "x-unknown", "GZIP", " , ", "gzip,gzip,gzip");

    // JSON-ish text: valid documents, deep nesting, long arrays, and mangled variants of them.
    private static readonly Gen<string> JsonLeaf = Gen.OneOf(
        Gen.Int.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "1e400"),
        Gen.String[Gen.Char["ab\"\\\u00e9\u0001\ud83d"], 0, 6].Select(s => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\""),
        Gen.OneOf("true", "false", "null", "-0", "1E+2", "0.10000000000000000001", "\"\\u0041\"", "123456789012345678901234567890"));

    private static readonly Gen<string> Json = Gen.Recursive<string>((depth, self) => depth >= 4
        ? JsonLeaf
        : Gen.OneOf(
            JsonLeaf,
            Gen.Select(Gen.OneOf("a", "b", "u", "ignored", "a", "\\u0061"), self).Array[0, 5]
                .Select(members => "{" + string.Join(",", members.Select(m => $"\"{m.Item1}\":{m.Item2}")) + "}"),
            self.Array[0, 6].Select(items => "[" + string.Join(",", items) + "]")));

    private static readonly Gen<string> HostileJson = Gen.OneOf(
        Json,
        Gen.Int[1, 3000].Select(depth => new string('[', depth) + new string(']', depth)),
        Gen.Int[1, 300].Select(depth => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth)),
        Gen.Int[0, 20_000].Select(n => "[" + string.Join(",", Enumerable.Range(0, n).Select(i => (i % 7).ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]"),
        Gen.Select(Json, Gen.Int[0, 40]).Select((json, cut) => json[..Math.Min(cut, json.Length)]),
        Gen.Select(Json, Gen.Char).Select((json, c) => json.Length == 0 ? c.ToString() : json.Insert(json.Length / 2, c.ToString())));

    private static readonly Gen<byte[]> Body = Gen.OneOf(
        Gen.Byte.Array[0, 2048],
        HostileJson.Select(Encoding.UTF8.GetBytes),
        Gen.String[0, 200].Select(Encoding.UTF8.GetBytes),
        Gen.Int[0, 200].Select(n => Encoding.UTF8.GetBytes(string.Join("\n", Enumerable.Range(0, n).Select(i => "line " + (i % 5))))));

    /// <summary>A captured response: status, content type, a coding applied for real (or only claimed), a capture cap.</summary>
    private static readonly Gen<Func<CapturedResponse>> Response =
        Gen.Select(Gen.OneOf(200, 201, 404, 500, 0, 999), ContentType, Coding, Body, Gen.Bool, Gen.OneOf(long.MaxValue, 16L, 1024L))
            .Select((status, type, coding, body, encodeForReal, cap) => (Func<CapturedResponse>)(() =>
            {
                var bytes = encodeForReal && coding is "gzip" or "br" or "deflate" or "raw-deflate" ? Encode(coding, body) : body;
                var headers = new List<(string, string)>();
                if (type is not null)
                {
                    headers.Add(("Content-Type", type));
                }

                if (coding is not null)
                {
                    headers.Add(("Content-Encoding", coding == "raw-deflate" ? "deflate" : coding));
                }

                return Create(status, bytes, [.. headers], cap);
            }));

    [Fact]
    public void Compare_never_throws_and_stays_bounded_on_any_pair() =>
        Gen.Select(Response, Response).Sample((legacy, candidate) =>
        {
            using var left = legacy();
            using var right = candidate();
            var result = Engine.Compare(left, right);
            Assert.InRange(result.Differences.Count, 0, MaxDifferences);
            Assert.DoesNotContain(result.Differences, d => d.Path.StartsWith("body", StringComparison.Ordinal) && d.Legacy?.StartsWith("not compared: ", StringComparison.Ordinal) == true && !left.BodyTruncated && !right.BodyTruncated);
        }, iter: 3000);

    [Fact]
    public void A_response_never_differs_from_itself() =>
        Response.Sample(make =>
        {
            using var left = make();
            using var right = make();
            var result = Engine.Compare(left, right);
            Assert.NotEqual(ComparisonOutcome.Diff, result.Outcome);
        }, iter: 3000);

    [Fact]
    public void Hostile_json_compares_with_itself_as_a_match_and_with_anything_without_throwing() =>
        Gen.Select(HostileJson, HostileJson).Sample((a, b) =>
        {
            Assert.Equal(ComparisonOutcome.Match, CompareJson(a, a, Options).Outcome);
            Assert.InRange(CompareJson(a, b, Options).Differences.Count, 0, MaxDifferences);
        }, iter: 2000);

    [Fact]
    public void The_same_document_under_any_real_encoding_is_the_same_body() =>
        Gen.Select(Json, Gen.OneOf("gzip", "br", "deflate", "raw-deflate"), Gen.OneOf("gzip", "br", "deflate", "raw-deflate", "identity"))
            .Sample((json, legacyCoding, candidateCoding) =>
            {
                var bytes = Encoding.UTF8.GetBytes(json);
                using var legacy = Create(200, Encode(legacyCoding, bytes), [("Content-Type", "application/json"), ("Content-Encoding", legacyCoding == "raw-deflate" ? "deflate" : legacyCoding)]);
                using var candidate = Create(200, candidateCoding == "identity" ? bytes : Encode(candidateCoding, bytes),
                    [("Content-Type", "application/json"), ("Content-Encoding", candidateCoding == "raw-deflate" ? "deflate" : candidateCoding)]);
                Assert.Empty(Engine.Compare(legacy, candidate).Differences);
            }, iter: 1000);

    [Fact]
    public void A_gzip_bomb_stops_at_the_decoded_size_cap()
    {
        var zeros = new byte[64 * 1024 * 1024];
        using var bomb = Create(200, Encode("gzip", zeros), [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]);
        using var small = Json("{}");
        var before = GC.GetAllocatedBytesForCurrentThread();

        var result = Engine.Compare(small, bomb);

        var body = Assert.Single(result.Differences);
        Assert.Contains("too large to compare", body.Candidate);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 8 * 1024 * 1024, "decoding allocated past the cap");
    }
}

/// <summary>Regressions found by the fuzzing above.</summary>
public sealed class DiffEngineFuzzRegressionTests
{
    [Theory]
    [InlineData("br")]
    [InlineData("gzip")]
    [InlineData("deflate")]
    public void A_corrupt_body_is_reported_as_corrupt_by_the_decoder_itself(string coding)
    {
        // Brotli throws InvalidOperationException on invalid data (gzip and deflate throw InvalidDataException);
        // the decoder is also called outside the engine (stored samples), so it must not throw at all.
        var garbage = Encoding.ASCII.GetBytes("this is not " + coding + " at all, not even close");

        using var decoded = ContentDecoder.Decode(garbage, coding, 1024 * 1024);

        Assert.Equal(DecodeStatus.Corrupt, decoded.Status);
        Assert.Equal($"corrupt {coding} body", decoded.Detail);
        using var legacy = Json("{}");
        using var candidate = Create(200, garbage, [("Content-Type", "application/json"), ("Content-Encoding", coding)]);
        var body = new DiffEngine(new DiffOptions()).Compare(legacy, candidate).Single();
        Assert.Equal($"corrupt {coding} body", body.Candidate);
    }
}
