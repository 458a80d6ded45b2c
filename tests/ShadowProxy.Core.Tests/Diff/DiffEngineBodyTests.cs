using System.Text;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Diff;
using static ShadowProxy.Core.Tests.Diff.TestResponses;

namespace ShadowProxy.Core.Tests.Diff;

public sealed class DiffEngineBodyTests
{
    private readonly DiffEngine _engine = new(new DiffOptions());

    [Fact]
    public void Text_bodies_are_compared_line_by_line()
    {
        var result = CompareText("one\ntwo\nthree\nfour", "one\nTWO\nthree\nfour");

        Assert.Equal(new Difference("line:2", DifferenceKind.ValueChanged, "two", "TWO", false), result.Single());
    }

    [Fact]
    public void An_inserted_block_of_lines_reports_only_those_lines()
    {
        var result = CompareText("a\nb\nc", "a\nx\ny\nb\nc");

        Assert.Equal(
            [
                new Difference("line:2", DifferenceKind.Extra, null, "x", false),
                new Difference("line:3", DifferenceKind.Extra, null, "y", false),
            ],
            result.Differences);
    }

    [Fact]
    public void Removed_lines_are_missing()
    {
        var result = CompareText("a\nb\nc\n", "a\n");

        Assert.Equal(["line:2", "line:3"], result.Differences.Select(d => d.Path));
        Assert.All(result.Differences, d => Assert.Equal(DifferenceKind.Missing, d.Kind));
    }

    [Fact]
    public void Binary_bodies_are_compared_by_hash()
    {
        using var legacy = Create(200, [1, 2, 3, 0], [("Content-Type", "application/octet-stream")]);
        using var candidate = Create(200, [1, 2, 4, 0, 5], [("Content-Type", "application/octet-stream")]);

        var difference = _engine.Compare(legacy, candidate).Single();

        Assert.Equal("body", difference.Path);
        Assert.Equal(DifferenceKind.Body, difference.Kind);
        Assert.Matches("^sha256:[0-9a-f]{64} \\(4 bytes\\)$", difference.Legacy);
        Assert.Matches("^sha256:[0-9a-f]{64} \\(5 bytes\\)$", difference.Candidate);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    [InlineData("deflate")]
    public void Encoded_bodies_are_decoded_before_comparing(string coding)
    {
        var json = Encoding.UTF8.GetBytes("""{"a":1,"b":[1,2]}""");
        using var legacy = Create(200, Encode(coding, json), [("Content-Type", "application/json"), ("Content-Encoding", coding)]);
        using var plain = Create(200, Encoding.UTF8.GetBytes("""{"b":[1,2],"a":1.0}"""), [("Content-Type", "application/json")]);
        using var changed = Create(200, Encode(coding, Encoding.UTF8.GetBytes("""{"a":2,"b":[1,2]}""")), [("Content-Type", "application/json"), ("Content-Encoding", coding)]);

        Assert.Equal(ComparisonOutcome.Match, _engine.Compare(legacy, plain).Outcome);
        Assert.Equal("$.a", _engine.Compare(legacy, changed).Single().Path);
    }

    [Fact]
    public void Raw_deflate_and_stacked_encodings_are_decoded()
    {
        var text = Encoding.UTF8.GetBytes("hello\nworld");
        using var rawDeflate = Create(200, Encode("raw-deflate", text), [("Content-Type", "text/plain"), ("Content-Encoding", "deflate")]);
        using var stacked = Create(200, Encode("br", Encode("gzip", text)), [("Content-Type", "text/plain"), ("Content-Encoding", "gzip, br")]);

        Assert.Equal(ComparisonOutcome.Match, _engine.Compare(rawDeflate, stacked).Outcome);
    }

    [Fact]
    public void A_gzip_bomb_is_capped_and_reported_as_too_large()
    {
        var bomb = Encode("gzip", new byte[50 * 1024 * 1024]);
        using var legacy = Create(200, bomb, [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]);
        using var candidate = Json("{}");
        var engine = new DiffEngine(new DiffOptions { MaxDecodedBytes = 1024 * 1024 });

        var before = GC.GetAllocatedBytesForCurrentThread();
        var difference = engine.Compare(legacy, candidate).Single();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(DifferenceKind.Body, difference.Kind);
        Assert.StartsWith("too large to compare", difference.Legacy, StringComparison.Ordinal);
        Assert.True(allocated < 8 * 1024 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Identical_encoded_bodies_are_equal_without_decoding()
    {
        var bomb = Encode("gzip", new byte[8 * 1024 * 1024]);
        using var legacy = Create(200, bomb, [("Content-Encoding", "gzip")]);
        using var candidate = Create(200, bomb, [("Content-Encoding", "gzip")]);

        Assert.Equal(ComparisonOutcome.Match, new DiffEngine(new DiffOptions { MaxDecodedBytes = 1024 }).Compare(legacy, candidate).Outcome);
    }

    [Fact]
    public void A_corrupt_encoded_body_is_a_body_difference()
    {
        using var legacy = Create(200, [1, 2, 3, 4], [("Content-Encoding", "gzip")]);
        using var candidate = Create(200, [], []);

        var difference = _engine.Compare(legacy, candidate).Single();

        Assert.Equal(new Difference("body", DifferenceKind.Body, "corrupt gzip body", "0 bytes", false), difference);
    }

    [Fact]
    public void An_unknown_encoding_is_compared_as_opaque_bytes()
    {
        using var legacy = Create(200, [1, 2], [("Content-Encoding", "zstd"), ("Content-Type", "application/json")]);
        using var candidate = Create(200, [1, 3], [("Content-Encoding", "zstd"), ("Content-Type", "application/json")]);

        Assert.StartsWith("sha256:", _engine.Compare(legacy, candidate).Single().Legacy, StringComparison.Ordinal);
    }

    [Fact]
    public void One_truncated_body_is_a_body_difference()
    {
        var body = Encoding.UTF8.GetBytes(new string('a', 100));
        using var legacy = Create(200, body, [], captureCap: 10);
        using var candidate = Create(200, body[..50], []);

        var result = _engine.Compare(legacy, candidate);

        Assert.Equal(ComparisonOutcome.Diff, result.Outcome);
        Assert.Equal(new Difference("body", DifferenceKind.Body, "not compared: truncated, 10 of 100 bytes captured", "50 bytes", false), result.Single());
    }

    [Fact]
    public void Both_truncated_with_identical_prefixes_is_noise_not_compared()
    {
        var body = Encoding.UTF8.GetBytes(new string('a', 100));
        using var legacy = Create(200, body, [], captureCap: 10);
        using var candidate = Create(200, body, [], captureCap: 10);

        var result = _engine.Compare(legacy, candidate);

        Assert.Equal(ComparisonOutcome.Noise, result.Outcome);
        Assert.True(result.Single().IsNoise);
    }

    [Fact]
    public void Malformed_json_falls_back_to_the_text_diff()
    {
        using var legacy = Json("{\"a\":1,\n\"b\":");
        using var candidate = Json("{\"a\":1,\n\"b\":2}");

        var differences = _engine.Compare(legacy, candidate).Differences;

        // For a client the format changed (it cannot parse one of them); the text diff shows where.
        Assert.Equal(
            [
                new Difference("body", DifferenceKind.Body, "format: invalid json", "format: json", false),
                new Difference("line:2", DifferenceKind.ValueChanged, "\"b\":", "\"b\":2}", false),
            ],
            differences);
    }

    [Fact]
    public void Json_is_sniffed_when_there_is_no_content_type()
    {
        using var legacy = Create(200, Encoding.UTF8.GetBytes(""" {"a":1,"b":2}"""), []);
        using var candidate = Create(200, Encoding.UTF8.GetBytes("""{"b":2,"a":1}"""), []);

        Assert.Equal(ComparisonOutcome.Match, _engine.Compare(legacy, candidate).Outcome);
    }

    [Fact]
    public void A_byte_order_mark_does_not_break_json()
    {
        using var legacy = Create(200, [0xEF, 0xBB, 0xBF, .. "{\"a\":1}"u8], [("Content-Type", "application/json")]);
        using var candidate = Json("""{"a":1.0}""");

        Assert.Equal(ComparisonOutcome.Match, _engine.Compare(legacy, candidate).Outcome);
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(1234);
        string[] contentTypes = ["application/json", "text/plain", "application/octet-stream", ""];
        string[] encodings = ["", "gzip", "br", "deflate", "gzip, br"];
        for (var i = 0; i < 300; i++)
        {
            var legacyBody = new byte[random.Next(0, 200)];
            var candidateBody = new byte[random.Next(0, 200)];
            random.NextBytes(legacyBody);
            random.NextBytes(candidateBody);
            if (i % 3 == 0 && legacyBody.Length > 0)
            {
                legacyBody[0] = (byte)'{';
            }

            var contentType = contentTypes[i % contentTypes.Length];
            var encoding = encodings[i % encodings.Length];
            using var legacy = Create(200, legacyBody, [("Content-Type", contentType), ("Content-Encoding", encoding)]);
            using var candidate = Create(200, candidateBody, [("Content-Type", contentType)]);

            var result = _engine.Compare(legacy, candidate);

            Assert.Equal(result.Differences.Count == 0 ? ComparisonOutcome.Match : ComparisonOutcome.Diff, result.Outcome);
        }
    }

    [Fact]
    public void Deeply_nested_json_does_not_throw()
    {
        var deep = new string('[', 10_000) + new string(']', 10_000);

        var result = CompareJson(deep, "[]");

        Assert.Equal(ComparisonOutcome.Diff, result.Outcome);
    }

    private ComparisonResult CompareText(string legacy, string candidate)
    {
        using var left = Create(200, Encoding.UTF8.GetBytes(legacy), [("Content-Type", "text/plain; charset=utf-8")]);
        using var right = Create(200, Encoding.UTF8.GetBytes(candidate), [("Content-Type", "text/plain; charset=utf-8")]);
        return _engine.Compare(left, right);
    }
}
