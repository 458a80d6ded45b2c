using ShadowProxy.Core.Diff;

namespace ShadowProxy.Core.Tests.Diff;

/// <summary>docs/comparison.md#severity: the built-in severity rules and the <c>Diff:Severity</c> overrides.</summary>
public sealed class SeverityRulesTests
{
    private static readonly SeverityRules Rules = SeverityRules.Default;

    [Theory]
    [InlineData("$.id", DifferenceKind.TypeChanged, null, null, DiffSeverity.Breaking)]
    [InlineData("$.customer", DifferenceKind.Missing, null, null, DiffSeverity.Breaking)]
    [InlineData("status", DifferenceKind.Status, "200", "404", DiffSeverity.Breaking)]
    [InlineData("status", DifferenceKind.Status, "200", "timeout", DiffSeverity.Breaking)]
    [InlineData("status", DifferenceKind.Status, "200", "201", DiffSeverity.Risky)]
    [InlineData("body", DifferenceKind.Body, "format: json", "format: text", DiffSeverity.Breaking)]
    [InlineData("body", DifferenceKind.Body, "format: json", "format: invalid json", DiffSeverity.Breaking)]
    [InlineData("body", DifferenceKind.Body, "sha256:aa (3 bytes)", "sha256:bb (3 bytes)", DiffSeverity.Risky)]
    [InlineData("$.total", DifferenceKind.ValueChanged, "1", "2", DiffSeverity.Risky)]
    [InlineData("$.extra", DifferenceKind.Extra, null, "1", DiffSeverity.Risky)]
    [InlineData("$.items", DifferenceKind.ArrayLength, "2", "3", DiffSeverity.Risky)]
    [InlineData("$.items", DifferenceKind.ArrayOrder, "[0], [1]", "[1], [0]", DiffSeverity.Risky)]
    [InlineData("header:Content-Type", DifferenceKind.Header, "application/json", "text/plain", DiffSeverity.Risky)]
    [InlineData("header:set-cookie", DifferenceKind.Header, null, "a=1", DiffSeverity.Risky)]
    [InlineData("header:Location", DifferenceKind.Header, "/a", "/b", DiffSeverity.Risky)]
    [InlineData("header:X-Powered-By", DifferenceKind.Header, "Express", "Kestrel", DiffSeverity.Cosmetic)]
    [InlineData("header:ETag", DifferenceKind.Header, "\"a\"", "\"b\"", DiffSeverity.Cosmetic)]
    public void Built_in_rules(string path, DifferenceKind kind, string? legacy, string? candidate, DiffSeverity expected)
    {
        Assert.Equal(expected, Rules.Classify(path, kind, legacy, candidate));
    }

    [Fact]
    public void Stored_rows_without_values_and_kinds_this_version_does_not_know()
    {
        Assert.Equal(DiffSeverity.Breaking, Rules.Classify("status", "Status"));
        Assert.Equal(DiffSeverity.Risky, Rules.Classify("body", "Body"));
        Assert.Equal(DiffSeverity.Risky, Rules.Classify("$.customerName", "Renamed"));
    }

    [Fact]
    public void Overrides_win_and_the_most_specific_pattern_decides()
    {
        var rules = SeverityRules.Create(new Dictionary<string, string>
        {
            ["header:ETag"] = "risky",
            ["$.meta.*"] = "cosmetic",
            ["$.meta.version"] = "Breaking",
            ["X-Request-Id"] = "cosmetic",
        });

        Assert.Equal(DiffSeverity.Risky, rules.Classify("header:etag", DifferenceKind.Header));
        Assert.Equal(DiffSeverity.Cosmetic, rules.Classify("$.meta.requestId", DifferenceKind.Missing));
        Assert.Equal(DiffSeverity.Cosmetic, rules.Classify("$.meta.trace.span", DifferenceKind.TypeChanged));
        Assert.Equal(DiffSeverity.Breaking, rules.Classify("$.meta.version", DifferenceKind.ValueChanged));
        Assert.Equal(DiffSeverity.Cosmetic, rules.Classify("header:X-Request-Id", DifferenceKind.Header));
        Assert.Equal(DiffSeverity.Breaking, rules.Classify("$.id", DifferenceKind.TypeChanged));
    }

    [Fact]
    public void Overrides_reach_elements_named_by_identity()
    {
        var rules = SeverityRules.Create(new Dictionary<string, string> { ["$.items[*].updatedAt"] = "cosmetic" });

        Assert.Equal(DiffSeverity.Cosmetic, rules.Classify("$.items[id=7].updatedAt", DifferenceKind.ValueChanged));
        Assert.Equal(DiffSeverity.Cosmetic, rules.Classify("$.items[3].updatedAt", DifferenceKind.ValueChanged));
    }

    [Theory]
    [InlineData("header:ETag", "fatal", "header:ETag", "is not a severity")]
    [InlineData("$.items[", "risky", "$.items[", "is not a difference path pattern")]
    public void Invalid_overrides_name_the_pattern(string pattern, string severity, string expectedKey, string expectedReason)
    {
        Assert.False(SeverityRules.TryCreate(new Dictionary<string, string> { [pattern] = severity }, out _, out var key, out var error));
        Assert.Equal(expectedKey, key);
        Assert.StartsWith(expectedReason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_most_severe_real_difference_of_a_comparison()
    {
        ComparisonResult Result(ComparisonOutcome outcome, bool truncated, params Difference[] differences) =>
            new() { Outcome = outcome, Differences = differences, DifferencesTruncated = truncated };

        var typeChangeAsNoise = new Difference("$.id", DifferenceKind.TypeChanged, "7", "\"7\"", IsNoise: true);
        var header = new Difference("header:X-Powered-By", DifferenceKind.Header, "a", "b", IsNoise: false);

        Assert.Equal(DiffSeverity.Cosmetic, Rules.MostSevere(Result(ComparisonOutcome.Diff, false, typeChangeAsNoise, header)));
        Assert.Null(Rules.MostSevere(Result(ComparisonOutcome.Noise, false, typeChangeAsNoise)));
        Assert.Equal(DiffSeverity.Breaking, Rules.MostSevere(Result(ComparisonOutcome.Diff, false, header, typeChangeAsNoise with { IsNoise = false })));

        // What a full list left out was never looked at: at least risky.
        Assert.Equal(DiffSeverity.Risky, Rules.MostSevere(Result(ComparisonOutcome.Diff, true, header)));
    }

    [Fact]
    public void Names_parse_back()
    {
        foreach (var severity in Enum.GetValues<DiffSeverity>())
        {
            Assert.True(DiffSeverities.TryParse(" " + DiffSeverities.Name(severity).ToUpperInvariant() + " ", out var parsed));
            Assert.Equal(severity, parsed);
        }

        Assert.False(DiffSeverities.TryParse("2", out _));
    }
}
