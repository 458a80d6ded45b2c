using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Gates;

namespace ShadowProxy.Core.Tests.Gates;

/// <summary>docs/comparison.md#what-the-gates-and-counters-count: Ramp:Gates:DiffSeverity decides which comparisons count as diffs in the diff-rate gate.</summary>
public sealed class GateSeverityTests
{
    private static readonly Difference Cosmetic = new("header:X-Powered-By", DifferenceKind.Header, "a", "b", false);
    private static readonly Difference Breaking = new("$.id", DifferenceKind.TypeChanged, "7", "\"7\"", false);

    [Theory]
    [InlineData(DiffSeverity.Risky, ComparisonTally.Noise, ComparisonTally.Diff)]
    [InlineData(DiffSeverity.Cosmetic, ComparisonTally.Diff, ComparisonTally.Diff)]
    [InlineData(DiffSeverity.Breaking, ComparisonTally.Noise, ComparisonTally.Diff)]
    public void A_comparison_counts_from_the_gate_severity(DiffSeverity threshold, ComparisonTally cosmeticOnly, ComparisonTally withTypeChange)
    {
        Assert.Equal(cosmeticOnly, GateSeverity.Tally(Diff(Cosmetic), SeverityRules.Default, threshold));
        Assert.Equal(withTypeChange, GateSeverity.Tally(Diff(Cosmetic, Breaking), SeverityRules.Default, threshold));
    }

    [Fact]
    public void Matches_and_noise_keep_their_tally()
    {
        Assert.Equal(ComparisonTally.Match, GateSeverity.Tally(new ComparisonResult { Outcome = ComparisonOutcome.Match, Differences = [] }, SeverityRules.Default, DiffSeverity.Cosmetic));
        Assert.Equal(ComparisonTally.Noise, GateSeverity.Tally(new ComparisonResult { Outcome = ComparisonOutcome.Noise, Differences = [Breaking with { IsNoise = true }] }, SeverityRules.Default, DiffSeverity.Cosmetic));
    }

    [Fact]
    public void Overrides_apply_to_the_gate()
    {
        var rules = SeverityRules.Create(new Dictionary<string, string> { ["header:X-Powered-By"] = "breaking" });

        Assert.Equal(ComparisonTally.Diff, GateSeverity.Tally(Diff(Cosmetic), rules, DiffSeverity.Risky));
    }

    private static ComparisonResult Diff(params Difference[] differences) => new() { Outcome = ComparisonOutcome.Diff, Differences = differences };
}
