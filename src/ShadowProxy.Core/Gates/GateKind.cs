namespace ShadowProxy.Core.Gates;

/// <summary>The three gates of docs/configuration.md#gates.</summary>
public enum GateKind
{
    /// <summary>Comparisons with a non-noise difference / all comparisons ≤ MaxDiffRate.</summary>
    DiffRate,

    /// <summary>Candidate error rate − legacy error rate ≤ MaxErrorRateIncrease.</summary>
    ErrorRateIncrease,

    /// <summary>Candidate p99 / legacy p99 ≤ MaxP99LatencyRatio.</summary>
    P99LatencyRatio,
}
