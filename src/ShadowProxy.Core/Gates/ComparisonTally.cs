namespace ShadowProxy.Core.Gates;

/// <summary>How one shadow pair compared, as far as the gates care.</summary>
public enum ComparisonTally
{
    /// <summary>No difference at all.</summary>
    Match,

    /// <summary>At least one difference that is not noise.</summary>
    Diff,

    /// <summary>Differences, but only on paths ignored or marked as noise: not a difference for the gates.</summary>
    Noise,
}
