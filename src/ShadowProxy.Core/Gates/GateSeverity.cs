using ShadowProxy.Core.Diff;

namespace ShadowProxy.Core.Gates;

/// <summary>
/// The diff-rate gate's severity threshold (docs/comparison.md#what-the-gates-and-counters-count, <c>Ramp:Gates:DiffSeverity</c>): a comparison counts as a
/// diff for the gate only when one of its non-noise differences is at least that severe. One below it counts like
/// a noise-only comparison: compared, without a difference that holds the ramp back.
/// </summary>
public static class GateSeverity
{
    public static ComparisonTally Tally(ComparisonResult result, SeverityRules rules, DiffSeverity threshold)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(rules);
        return result.Outcome switch
        {
            ComparisonOutcome.Match => ComparisonTally.Match,
            ComparisonOutcome.Diff when rules.MostSevere(result) >= threshold => ComparisonTally.Diff,
            _ => ComparisonTally.Noise,
        };
    }
}
