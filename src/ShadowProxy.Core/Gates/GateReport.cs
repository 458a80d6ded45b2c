namespace ShadowProxy.Core.Gates;

/// <summary>The three gates on one window and what they add up to.</summary>
public sealed record GateReport
{
    public required GateResult DiffRate { get; init; }

    public required GateResult ErrorRateIncrease { get; init; }

    public required GateResult P99LatencyRatio { get; init; }

    /// <summary>
    /// Fail when any gate fails; Pass only when all three passed; otherwise Inconclusive.
    /// </summary>
    public required GateVerdict Verdict { get; init; }

    /// <summary>The failing gates' details joined with "; " when <see cref="Verdict"/> is Fail, else null.</summary>
    public string? FailureReason { get; init; }

    public IReadOnlyList<GateResult> Gates => [DiffRate, ErrorRateIncrease, P99LatencyRatio];

    /// <summary>Every gate's detail joined with "; ".</summary>
    public string Summary => string.Join("; ", Gates.Select(static g => g.Detail));
}
