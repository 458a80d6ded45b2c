using System.Text.Json;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Diff;
using static ShadowProxy.Core.Tests.Diff.TestResponses;

namespace ShadowProxy.Core.Tests.Diff;

/// <summary>docs/comparison.md#arrays: ArrayOrder and identity matching of array elements (both comparers agree: see JsonStreamComparerTests).</summary>
public sealed class ArrayAlignmentTests
{
    [Fact]
    public void A_reversed_array_is_one_array_order_difference()
    {
        var result = CompareJson(Items(Enumerable.Range(1, 100)), Items(Enumerable.Range(1, 100).Reverse()));

        var order = result.Single();
        Assert.Equal(("$.items", DifferenceKind.ArrayOrder), (order.Path, order.Kind));
        Assert.Equal("id=1, id=2, id=3, id=4, id=5, id=6, …", order.Legacy);
        Assert.Equal("id=100, id=99, id=98, id=97, id=96, id=95, … (reversed: 99 of 100 moved)", order.Candidate);
    }

    [Fact]
    public void A_resorted_array_with_one_changed_element_reports_the_order_and_that_element_by_identity()
    {
        var resorted = Enumerable.Range(1, 100).OrderBy(i => i % 10).ThenBy(i => i);

        var result = CompareJson(Items(Enumerable.Range(1, 100)), Items(resorted, changedId: 42));

        Assert.Equal(
            ["$.items ArrayOrder", "$.items[id=42].price ValueChanged 420 421"],
            result.Differences.Select(d => d.Kind == DifferenceKind.ArrayOrder ? $"{d.Path} {d.Kind}" : $"{d.Path} {d.Kind} {d.Legacy} {d.Candidate}"));
    }

    [Fact]
    public void Elements_in_place_keep_index_paths()
    {
        var result = CompareJson(Items(Enumerable.Range(1, 5)), Items(Enumerable.Range(1, 5), changedId: 3));

        Assert.Equal("$.items[2].price", result.Single().Path);
    }

    [Fact]
    public void An_inserted_element_is_one_extra_not_a_shift_of_every_index()
    {
        var result = CompareJson(Items(Enumerable.Range(1, 50)), Items(Enumerable.Range(0, 51)));

        Assert.Equal(["$.items ArrayLength", "$.items[id=0] Extra"], result.Differences.Select(d => $"{d.Path} {d.Kind}"));
    }

    [Fact]
    public void Scalars_are_paired_by_value()
    {
        var result = CompareJson("""{"tags":["a","b","c","d"]}""", """{"tags":["b","x","c","a"]}""");

        Assert.Equal(
            ["$.tags ArrayOrder [0], [1], [2] [1], [2], [0] (1 of 3 moved)", "$.tags[3] ValueChanged \"d\" \"x\""],
            result.Differences.Select(d => $"{d.Path} {d.Kind} {d.Legacy} {d.Candidate}"));
    }

    [Fact]
    public void An_id_that_changed_type_still_matches_its_element()
    {
        var result = CompareJson("""[{"id":1,"n":"a"},{"id":2,"n":"b"}]""", """[{"id":"2","n":"b"},{"id":"1","n":"a"}]""");

        Assert.Equal(["$ ArrayOrder", "$[id=1].id TypeChanged", "$[id=2].id TypeChanged"], result.Differences.Select(d => $"{d.Path} {d.Kind}"));
    }

    [Fact]
    public void A_configured_key_names_the_elements_and_ignore_patterns_reach_them()
    {
        var options = new DiffOptions
        {
            ArrayKeys = new Dictionary<string, string> { ["$.orders"] = "orderNo" },
            IgnoreJsonPaths = ["$.orders[*].updatedAt"],
        };
        var legacy = """{"orders":[{"orderNo":"A-1","total":1,"updatedAt":1},{"orderNo":"B 2","total":2,"updatedAt":1}]}""";
        var candidate = """{"orders":[{"orderNo":"B 2","total":3,"updatedAt":2},{"orderNo":"A-1","total":1,"updatedAt":2}]}""";

        var result = CompareJson(legacy, candidate, options);

        Assert.Equal(
            ["$.orders ArrayOrder False", "$.orders[orderNo=A-1].updatedAt ValueChanged True", "$.orders[orderNo='B 2'].total ValueChanged False", "$.orders[orderNo='B 2'].updatedAt ValueChanged True"],
            result.Differences.Select(d => $"{d.Path} {d.Kind} {d.IsNoise}"));
    }

    [Fact]
    public void Duplicate_identities_fall_back_to_pairing_by_value()
    {
        var result = CompareJson("""[{"id":1,"v":1},{"id":1,"v":2},{"id":2,"v":3}]""", """[{"id":2,"v":3},{"id":1,"v":1},{"id":1,"v":2}]""");

        Assert.Equal("$ ArrayOrder", $"{result.Single().Path} {result.Single().Kind}");
    }

    [Fact]
    public void Look_alike_elements_beyond_the_pairing_budget_are_compared_by_position()
    {
        // Under a tolerance every number hashes alike: pairing a reversed array would take a check per pair.
        var values = Enumerable.Range(0, 20_000).Select(i => i * 10).ToList();
        var legacy = JsonSerializer.Serialize(values);
        var candidate = JsonSerializer.Serialize(Enumerable.Reverse(values));

        var result = CompareJson(legacy, candidate, new DiffOptions { NumericTolerance = 0.5, MaxDifferences = 5 });

        Assert.Equal(["$[0]", "$[1]", "$[2]", "$[3]", "$[4]"], result.Differences.Select(d => d.Path));
        Assert.True(result.DifferencesTruncated);
    }

    [Theory]
    [InlineData("$.items[id=7].price")]
    [InlineData("$.items[sku='a]b\\'c'].price")]
    public void Identity_paths_read_back_as_patterns(string path)
    {
        Assert.True(PathPatternSet.Compile([path]).Matches(path));
        Assert.True(PathPatternSet.Compile(["$.items[*].price"]).Matches(path));
        Assert.False(PathPatternSet.Compile(["$.items[0].price"]).Matches(path));
        Assert.False(PathPatternSet.Compile(["$.items[id=8].price"]).Matches(path));
    }

    private static string Items(IEnumerable<int> ids, int? changedId = null) =>
        JsonSerializer.Serialize(new { items = ids.Select(id => new { id, name = $"item {id}", price = id == changedId ? id * 10 + 1 : id * 10 }) });
}
