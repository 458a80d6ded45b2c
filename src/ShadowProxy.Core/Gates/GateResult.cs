namespace ShadowProxy.Core.Gates;

/// <summary>One gate on one window.</summary>
public sealed record GateResult
{
    public required GateKind Gate { get; init; }

    /// <summary>The gate's human name, e.g. "error rate increase".</summary>
    public required string Name { get; init; }

    /// <summary>The measured value; null when the window has no data for it at all.</summary>
    public double? Value { get; init; }

    public required double Threshold { get; init; }

    public required GateVerdict Verdict { get; init; }

    /// <summary>Samples the verdict rests on (comparisons, or the smaller of the two backends' request counts).</summary>
    public long Samples { get; init; }

    public long RequiredSamples { get; init; }

    /// <summary>One line for people, e.g. "error rate increase 0.2500 > 0.0050 (candidate 25.00% vs legacy 0.00%, 400 requests)".</summary>
    public required string Detail { get; init; }
}
