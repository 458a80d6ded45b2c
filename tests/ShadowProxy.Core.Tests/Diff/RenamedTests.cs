using ShadowProxy.Core.Diff;
using static ShadowProxy.Core.Tests.Diff.TestResponses;

namespace ShadowProxy.Core.Tests.Diff;

/// <summary>docs/comparison.md#differences: a key renamed in the same object is one Renamed difference, its value compared under the candidate's path.</summary>
public sealed class RenamedTests
{
    [Theory]
    [InlineData("customer_name")]
    [InlineData("CustomerName")]
    [InlineData("customer-name")]
    public void A_renamed_key_is_one_Renamed_difference(string candidateName)
    {
        var result = CompareJson("""{"id":1,"customerName":"Ada"}""", $$"""{"id":1,"{{candidateName}}":"Ada"}""");

        var difference = Assert.Single(result.Differences);
        Assert.Equal(DifferenceKind.Renamed, difference.Kind);
        Assert.Equal("$.customerName", difference.Path);
        Assert.Equal("$." + candidateName, difference.CandidatePath);
        Assert.Equal(ComparisonOutcome.Diff, result.Outcome);
    }

    [Fact]
    public void A_different_value_under_a_renamed_key_is_reported_at_the_candidate_path()
    {
        var result = CompareJson("""{"order":{"customerName":"Ada","total":3}}""", """{"order":{"total":3,"customer_name":"Grace"}}""");

        Assert.Equal(
            [
                new Difference("$.order.customerName", DifferenceKind.Renamed, "customerName", "customer_name", false) { CandidatePath = "$.order.customer_name" },
                new Difference("$.order.customer_name", DifferenceKind.ValueChanged, "\"Ada\"", "\"Grace\"", false),
            ],
            result.Differences);
    }

    [Fact]
    public void Keys_in_different_objects_or_with_other_names_stay_missing_and_extra()
    {
        var result = CompareJson("""{"a":{"customerName":"Ada"},"b":{}}""", """{"a":{},"b":{"customer_name":"Ada"},"c":1}""");

        Assert.Equal(
            [DifferenceKind.Missing, DifferenceKind.Extra, DifferenceKind.Extra],
            result.Differences.Select(d => d.Kind).ToArray());
        Assert.DoesNotContain(result.Differences, d => d.Kind == DifferenceKind.Renamed);
    }

    [Fact]
    public void A_key_both_sides_have_is_never_a_rename_target()
    {
        // Legacy has "name" and "Name"; the candidate only "name": "Name" is missing, not renamed to "name".
        var result = CompareJson("""{"name":"a","Name":"b"}""", """{"name":"a"}""");

        Assert.Equal(DifferenceKind.Missing, Assert.Single(result.Differences).Kind);
    }
}
