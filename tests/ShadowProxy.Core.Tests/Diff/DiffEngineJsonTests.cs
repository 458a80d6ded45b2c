using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Diff;
using static ShadowProxy.Core.Tests.Diff.TestResponses;

namespace ShadowProxy.Core.Tests.Diff;

public sealed class DiffEngineJsonTests
{
    [Fact]
    public void Changed_value_is_reported_at_its_path()
    {
        var result = CompareJson("""{"items":[{"price":1},{"price":2},{"price":3}]}""", """{"items":[{"price":1},{"price":2},{"price":4}]}""");

        Assert.Equal(ComparisonOutcome.Diff, result.Outcome);
        Assert.Equal(new Difference("$.items[2].price", DifferenceKind.ValueChanged, "3", "4", false), result.Single());
    }

    [Fact]
    public void Different_json_kinds_are_a_type_change()
    {
        var result = CompareJson("""{"id":"12","ok":true,"n":null}""", """{"id":12,"ok":false,"n":{}}""");

        Assert.Equal(
            [
                new Difference("$.id", DifferenceKind.TypeChanged, "\"12\"", "12", false),
                new Difference("$.ok", DifferenceKind.ValueChanged, "true", "false", false),
                new Difference("$.n", DifferenceKind.TypeChanged, "null", "{}", false),
            ],
            result.Differences);
    }

    [Fact]
    public void Root_difference_has_the_root_path()
    {
        Assert.Equal("$", CompareJson("[1]", """{"a":1}""").Single().Path);
    }

    [Fact]
    public void Missing_and_extra_properties()
    {
        var result = CompareJson("""{"a":1,"b":{"c":2}}""", """{"a":1,"d":[3]}""");

        Assert.Equal(
            [
                new Difference("$.b", DifferenceKind.Missing, """{"c":2}""", null, false),
                new Difference("$.d", DifferenceKind.Extra, null, "[3]", false),
            ],
            result.Differences);
    }

    [Fact]
    public void Array_length_difference_is_reported_once_plus_per_index_elements()
    {
        var result = CompareJson("""{"xs":[1,2,3]}""", """{"xs":[1,2,3,4,5]}""");

        Assert.Equal(
            [
                new Difference("$.xs", DifferenceKind.ArrayLength, "3", "5", false),
                new Difference("$.xs[3]", DifferenceKind.Extra, null, "4", false),
                new Difference("$.xs[4]", DifferenceKind.Extra, null, "5", false),
            ],
            result.Differences);
    }

    [Theory]
    [InlineData("12.5", "12.50")]
    [InlineData("12.5", "1.25e1")]
    [InlineData("12.5", "125E-1")]
    [InlineData("0", "0.0")]
    [InlineData("0", "-0")]
    [InlineData("100", "1e2")]
    [InlineData("1e300", "10e299")]
    public void Numbers_are_compared_by_value(string legacy, string candidate)
    {
        Assert.Equal(ComparisonOutcome.Match, CompareJson($$"""{"n":{{legacy}}}""", $$"""{"n":{{candidate}}}""").Outcome);
    }

    [Theory]
    [InlineData("0.1", "0.10000000000000000001")]
    [InlineData("1e-30", "0")]
    [InlineData("12.5", "12.6")]
    public void Numbers_that_differ_in_value_are_changed(string legacy, string candidate)
    {
        Assert.Equal(DifferenceKind.ValueChanged, CompareJson($$"""{"n":{{legacy}}}""", $$"""{"n":{{candidate}}}""").Single().Kind);
    }

    [Fact]
    public void Numeric_tolerance_is_absolute()
    {
        var options = new DiffOptions { NumericTolerance = 0.01 };

        Assert.Equal(ComparisonOutcome.Match, CompareJson("""{"n":10.005}""", """{"n":10.01}""", options).Outcome);
        Assert.Equal(ComparisonOutcome.Diff, CompareJson("""{"n":10.005}""", """{"n":10.02}""", options).Outcome);
    }

    [Fact]
    public void Object_key_order_never_matters()
    {
        var result = CompareJson("""{"a":1,"b":{"x":1,"y":[1,{"p":1,"q":2}]},"c":3}""", """{"c":3,"b":{"y":[1,{"q":2,"p":1}],"x":1},"a":1}""");

        Assert.Equal(ComparisonOutcome.Match, result.Outcome);
    }

    [Fact]
    public void Escaped_strings_and_names_equal_their_plain_forms()
    {
        Assert.Equal(ComparisonOutcome.Match, CompareJson("""{"n\u0061me":"\u0041\n"}""", """{"name":"A\u000A"}""").Outcome);
    }

    [Fact]
    public void Odd_property_names_are_bracket_quoted_in_paths()
    {
        Assert.Equal("$['a.b']['it\\'s']", CompareJson("""{"a.b":{"it's":1}}""", """{"a.b":{"it's":2}}""").Single().Path);
    }

    [Fact]
    public void Arrays_are_ordered_by_default()
    {
        var result = CompareJson("""{"tags":["a","b"]}""", """{"tags":["b","a"]}""");

        var difference = Assert.Single(result.Differences);
        Assert.Equal(("$.tags", DifferenceKind.ArrayOrder), (difference.Path, difference.Kind));
    }

    [Fact]
    public void Unordered_arrays_compare_as_multisets()
    {
        var options = new DiffOptions { UnorderedArrays = ["$.tags", "$.items[*].labels"] };

        Assert.Equal(ComparisonOutcome.Match, CompareJson("""{"tags":["a","b",{"k":1.0,"j":2}]}""", """{"tags":[{"j":2,"k":1},"b","a"]}""", options).Outcome);
        Assert.Equal(ComparisonOutcome.Match, CompareJson("""{"items":[{"labels":[1,2]}]}""", """{"items":[{"labels":[2,1]}]}""", options).Outcome);

        var result = CompareJson("""{"tags":["a","b","b","c"]}""", """{"tags":["b","x","a","b","y"]}""", options);
        Assert.Equal(
            [
                new Difference("$.tags", DifferenceKind.ArrayLength, "4", "5", false),
                new Difference("$.tags[3]", DifferenceKind.Missing, "\"c\"", null, false),
                new Difference("$.tags[1]", DifferenceKind.Extra, null, "\"x\"", false),
                new Difference("$.tags[4]", DifferenceKind.Extra, null, "\"y\"", false),
            ],
            result.Differences);
    }

    [Fact]
    public void Ignored_paths_are_reported_as_noise()
    {
        var options = new DiffOptions { IgnoreJsonPaths = ["$.meta.requestId", "$.items[*].updatedAt", "$..etag"] };

        var result = CompareJson(
            """{"meta":{"requestId":"a"},"items":[{"updatedAt":1,"etag":"x"}],"deep":{"etag":"1"}}""",
            """{"meta":{"requestId":"b"},"items":[{"updatedAt":2,"etag":"y"}],"deep":{"etag":"2"}}""",
            options);

        Assert.Equal(ComparisonOutcome.Noise, result.Outcome);
        Assert.Equal(4, result.Differences.Count);
        Assert.All(result.Differences, d => Assert.True(d.IsNoise));
    }

    [Fact]
    public void Noise_and_real_differences_together_are_a_diff()
    {
        var result = CompareJson("""{"meta":{"id":1},"total":1}""", """{"meta":{"id":2},"total":2}""", extraNoise: PathPatternSet.Compile(["$.meta"]));

        Assert.Equal(ComparisonOutcome.Diff, result.Outcome);
        Assert.Equal([true, false], result.Differences.Select(d => d.IsNoise));
    }

    [Fact]
    public void Long_values_are_truncated()
    {
        var longText = new string('x', 500);

        var difference = CompareJson($$"""{"s":"{{longText}}"}""", """{"s":"y"}""").Single();

        Assert.Equal(ValueText.MaxChars + 1, difference.Legacy!.Length);
        Assert.EndsWith("…", difference.Legacy, StringComparison.Ordinal);
    }

    [Fact]
    public void Differences_are_capped_but_the_outcome_still_sees_every_real_difference()
    {
        var options = new DiffOptions { MaxDifferences = 3, IgnoreJsonPaths = ["$.noise"] };
        var legacy = """{"noise":[1,2,3,4,5],"real":1}""";
        var candidate = """{"noise":[9,9,9,9,9],"real":2}""";

        var result = CompareJson(legacy, candidate, options);

        Assert.Equal(3, result.Differences.Count);
        Assert.True(result.DifferencesTruncated);
        Assert.All(result.Differences, d => Assert.True(d.IsNoise));
        Assert.Equal(ComparisonOutcome.Diff, result.Outcome);
    }

    [Fact]
    public void Long_arrays_stop_at_the_cap()
    {
        var legacy = "[" + string.Join(',', Enumerable.Range(0, 10_000)) + "]";
        var candidate = "[" + string.Join(',', Enumerable.Range(20_000, 10_000)) + "]";

        var result = CompareJson(legacy, candidate, new DiffOptions { MaxDifferences = 10 });

        Assert.Equal(10, result.Differences.Count);
        Assert.Equal("$[9]", result.Differences[^1].Path);
        Assert.True(result.DifferencesTruncated);
    }

    [Fact]
    public void One_engine_serves_concurrent_comparisons()
    {
        var engine = new DiffEngine(new DiffOptions { UnorderedArrays = ["$.tags"], IgnoreJsonPaths = ["$.meta"] });
        Parallel.For(0, 200, _ =>
        {
            using var legacy = Json("""{"a":[1,2],"tags":[1,2],"meta":1}""");
            using var candidate = Json("""{"a":[2,1],"tags":[2,1],"meta":2}""");
            Assert.Equal(
                ["$.a", "$.meta"],
                engine.Compare(legacy, candidate).Differences.Select(d => d.Path));
        });
    }
}
