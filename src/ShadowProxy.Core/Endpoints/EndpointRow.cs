namespace ShadowProxy.Core.Endpoints;

/// <summary>One endpoint of the side-by-side report: both backends' sides and the comparisons' verdicts.</summary>
public sealed record EndpointRow(string Endpoint, BackendSide Legacy, BackendSide Candidate, long Comparisons, long Diffs, long Noise, double? DiffRate)
{
    /// <summary>Of <see cref="Diffs"/>, comparisons whose most severe difference is breaking (docs/comparison.md#severity).</summary>
    public long Breaking { get; init; }

    /// <summary>Of <see cref="Diffs"/>, comparisons whose most severe difference is risky.</summary>
    public long Risky { get; init; }

    /// <summary>Of <see cref="Diffs"/>, comparisons whose differences are all cosmetic.</summary>
    public long Cosmetic { get; init; }
}
