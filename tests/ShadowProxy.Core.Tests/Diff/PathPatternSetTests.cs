using ShadowProxy.Core.Diff;

namespace ShadowProxy.Core.Tests.Diff;

public sealed class PathPatternSetTests
{
    [Theory]
    [InlineData("$.meta", "$.meta", true)]
    [InlineData("$.meta", "$.meta.requestId", true)]
    [InlineData("$.meta", "$.meta[3]", true)]
    [InlineData("$.meta", "$.metadata", false)]
    [InlineData("$.meta", "$", false)]
    [InlineData("$.meta.requestId", "$.meta", false)]
    [InlineData("$.items[*].updatedAt", "$.items[2].updatedAt", true)]
    [InlineData("$.items[*].updatedAt", "$.items[2].createdAt", false)]
    [InlineData("$.items[*]", "$.items.updatedAt", true)]
    [InlineData("$.items[1]", "$.items[1].x", true)]
    [InlineData("$.items[1]", "$.items[10]", false)]
    [InlineData("$..updatedAt", "$.updatedAt", true)]
    [InlineData("$..updatedAt", "$.a.b[4].updatedAt", true)]
    [InlineData("$..updatedAt", "$.a.updatedAtX", false)]
    [InlineData("$.a..c", "$.a.b.c", true)]
    [InlineData("$.a..c", "$.x.b.c", false)]
    [InlineData("$.*.id", "$.order.id", true)]
    [InlineData("$['odd key'].x", "$['odd key'].x", true)]
    [InlineData("$.odd key", "$['odd key']", true)]
    [InlineData("$['it\\'s']", "$['it\\'s']", true)]
    [InlineData("$", "$.anything[0]", true)]
    [InlineData("status", "status", true)]
    [InlineData("status", "$.status", false)]
    [InlineData("header:X-Trace", "header:x-trace", true)]
    [InlineData("X-Trace", "header:X-TRACE", true)]
    [InlineData("header:X-Trace", "header:X-Trace-Id", false)]
    [InlineData("body", "body", true)]
    [InlineData("line:12", "line:12", true)]
    [InlineData("line:12", "line:120", false)]
    public void Matches_pattern_or_ancestor_at_segment_boundary(string pattern, string path, bool expected)
    {
        var set = PathPatternSet.Compile([pattern]);

        Assert.Equal(expected, set.Matches(path));
    }

    [Theory]
    [InlineData("$.tags", "$.tags", true)]
    [InlineData("$.tags", "$.tags[0]", false)]
    [InlineData("$.items[*].tags", "$.items[3].tags", true)]
    [InlineData("$..tags", "$.a.tags", true)]
    public void MatchesExactly_requires_the_whole_path(string pattern, string path, bool expected)
    {
        Assert.Equal(expected, PathPatternSet.Compile([pattern]).MatchesExactly(path));
    }

    [Theory]
    [InlineData("$.items[", "[1]: '$.items[' is not a valid path: unterminated '[' at 7")]
    [InlineData("$.a[x]", "[1]: '$.a[x]' is not a valid path: '[x]' at 3 is neither an index, '*' nor a quoted name")]
    [InlineData("$.a..", "[1]: '$.a..' is not a valid path: empty name at 5")]
    [InlineData("", "[1]: '' is empty")]
    [InlineData("not a header", "[1]: 'not a header' is neither a JSON path ($...), status, body, line:N nor a header name")]
    public void TryCompile_names_the_bad_pattern_and_its_index(string bad, string expectedError)
    {
        var ok = PathPatternSet.TryCompile(["$.fine", bad], out var set, out var error);

        Assert.False(ok);
        Assert.Same(PathPatternSet.Empty, set);
        Assert.Equal(expectedError, error);
    }

    [Fact]
    public void Compile_throws_on_an_invalid_pattern()
    {
        Assert.Throws<ArgumentException>(() => PathPatternSet.Compile(["$.a["]));
    }

    [Fact]
    public void Empty_set_matches_nothing()
    {
        Assert.True(PathPatternSet.Empty.IsEmpty);
        Assert.False(PathPatternSet.Empty.Matches("$.a"));
        Assert.False(PathPatternSet.Compile(["$.a"]).Matches(string.Empty));
    }

    [Fact]
    public void Deep_paths_beyond_the_stack_buffer_still_match()
    {
        var path = "$" + string.Concat(Enumerable.Repeat(".a", 100)) + ".leaf";

        Assert.True(PathPatternSet.Compile(["$..leaf"]).Matches(path));
        Assert.False(PathPatternSet.Compile(["$..other"]).Matches(path));
    }

    [Fact]
    public void Reachable_matching_sees_patterns_below_a_path()
    {
        var set = PathPatternSet.Compile(["$.user.ssn"]);

        Assert.True(set.MayMatchWithin("$.user"));
        Assert.True(set.MayMatchWithin("$"));
        Assert.True(set.MayMatchWithin("$.user.ssn.x"));
        Assert.False(set.MayMatchWithin("$.order"));
    }

    [Fact]
    public void Paths_written_by_the_builder_read_back_through_patterns()
    {
        using var builder = new PathBuilder();
        builder.AppendProperty("items"u8);
        builder.AppendIndex(2);
        builder.AppendProperty("odd 'key'"u8);
        builder.AppendProperty("naïve"u8);

        Assert.Equal("$.items[2]['odd \\'key\\'']['naïve']", builder.ToString());
        Assert.True(PathPatternSet.Compile(["$.items[*]['odd \\'key\\''].naïve"]).MatchesExactly(builder.Span));
    }
}
