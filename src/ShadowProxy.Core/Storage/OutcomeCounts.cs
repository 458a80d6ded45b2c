using ShadowProxy.Core.Gates;

namespace ShadowProxy.Core.Storage;

/// <summary>Comparisons by outcome, as one delta of an endpoint's counts.</summary>
public readonly record struct OutcomeCounts(long Match, long Diff, long Noise)
{
    public OutcomeCounts Add(ComparisonTally outcome) => outcome switch
    {
        ComparisonTally.Match => this with { Match = Match + 1 },
        ComparisonTally.Diff => this with { Diff = Diff + 1 },
        _ => this with { Noise = Noise + 1 },
    };
}
