using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Diff;
using static ShadowProxy.Core.Tests.Diff.TestResponses;

namespace ShadowProxy.Core.Tests.Diff;

public sealed class DiffEngineStatusAndHeaderTests
{
    private readonly DiffEngine _engine = new(new DiffOptions());

    [Fact]
    public void Identical_responses_match()
    {
        using var legacy = Json("""{"a":1}""", 200, ("ETag", "x"));
        using var candidate = Json("""{"a":1}""", 200, ("ETag", "x"));

        var result = _engine.Compare(legacy, candidate);

        Assert.Equal(ComparisonOutcome.Match, result.Outcome);
        Assert.Empty(result.Differences);
    }

    [Fact]
    public void A_header_name_of_any_length_is_its_path()
    {
        var name = "X-" + new string('n', 300);
        using var legacy = Json("{}", 200, (name, "1"), ("X-Short", "1"));
        using var candidate = Json("{}", 200, (name, "2"), ("X-Short", "2"));

        var result = _engine.Compare(legacy, candidate);

        Assert.Equal(["header:" + name, "header:X-Short"], result.Differences.Select(d => d.Path));
    }

    [Fact]
    public void Different_status_codes_are_a_status_difference()
    {
        using var legacy = Json("{}", 200);
        using var candidate = Json("{}", 404);

        var difference = _engine.Compare(legacy, candidate).Single();

        Assert.Equal(new Difference("status", DifferenceKind.Status, "200", "404", false), difference);
    }

    [Theory]
    [InlineData(BackendFailure.Timeout, "timeout")]
    [InlineData(BackendFailure.ConnectionError, "connection-error")]
    public void A_transport_failure_is_a_status_difference_and_bodies_are_not_compared(BackendFailure failure, string expected)
    {
        using var legacy = Json("""{"a":1}""");
        using var candidate = CapturedResponse.Failed(failure, TimeSpan.FromSeconds(5));

        var result = _engine.Compare(legacy, candidate);

        Assert.Equal(ComparisonOutcome.Diff, result.Outcome);
        Assert.Equal(new Difference("status", DifferenceKind.Status, "200", expected, false), result.Single());
    }

    [Fact]
    public void Header_changed_missing_and_extra_are_header_differences_named_as_legacy_sent_them()
    {
        using var legacy = Json("{}", 200, ("Cache-Control", "no-cache"), ("X-Only-Legacy", "1"));
        using var candidate = Json("{}", 200, ("cache-control", "max-age=60"), ("X-Only-Candidate", "2"));

        var result = _engine.Compare(legacy, candidate);

        Assert.Equal(
            [
                new Difference("header:Cache-Control", DifferenceKind.Header, "no-cache", "max-age=60", false),
                new Difference("header:X-Only-Legacy", DifferenceKind.Header, "1", null, false),
                new Difference("header:X-Only-Candidate", DifferenceKind.Header, null, "2", false),
            ],
            result.Differences);
    }

    [Fact]
    public void Configured_hop_by_hop_date_and_framing_headers_are_ignored()
    {
        using var legacy = Json("{}", 200, ("Server", "iis"), ("x-ignored", "a"), ("Date", "Mon"), ("Connection", "close"),
            ("Transfer-Encoding", "chunked"), ("Keep-Alive", "5"), ("Proxy-Authenticate", "x"), ("Content-Length", "2"));
        using var candidate = Json("{}", 200, ("Server", "kestrel"), ("X-Ignored", "b"), ("Date", "Tue"), ("Content-Encoding", "identity"));
        var engine = new DiffEngine(new DiffOptions { IgnoreHeaders = ["Server", "X-IGNORED"] });

        var result = engine.Compare(legacy, candidate);

        Assert.Equal(ComparisonOutcome.Match, result.Outcome);
    }

    [Fact]
    public void Header_marked_as_noise_counts_as_noise()
    {
        using var legacy = Json("{}", 200, ("X-Trace", "a"));
        using var candidate = Json("{}", 200, ("X-Trace", "b"));

        var result = _engine.Compare(legacy, candidate, PathPatternSet.Compile(["header:x-trace"]));

        Assert.Equal(ComparisonOutcome.Noise, result.Outcome);
        Assert.True(result.Single().IsNoise);
    }

    [Fact]
    public void Status_marked_as_noise_counts_as_noise()
    {
        using var legacy = Json("{}", 200);
        using var candidate = Json("{}", 201);

        var result = _engine.Compare(legacy, candidate, PathPatternSet.Compile(["status"]));

        Assert.Equal(ComparisonOutcome.Noise, result.Outcome);
    }

    [Fact]
    public void Invalid_ignore_path_is_rejected_with_its_key()
    {
        var exception = Assert.Throws<ArgumentException>(() => new DiffEngine(new DiffOptions { IgnoreJsonPaths = ["$.ok", "$.bad["] }));

        Assert.StartsWith("IgnoreJsonPaths[1]: '$.bad['", exception.Message, StringComparison.Ordinal);
    }
}
