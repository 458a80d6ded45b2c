namespace ShadowProxy.Core.Diff;

public enum ComparisonOutcome
{
    /// <summary>No difference at all.</summary>
    Match,

    /// <summary>At least one difference that is not noise.</summary>
    Diff,

    /// <summary>Only differences at ignored or noise-marked paths.</summary>
    Noise,
}

public enum DifferenceKind
{
    ValueChanged,
    TypeChanged,

    /// <summary>Present in the legacy response, absent from the candidate's.</summary>
    Missing,

    /// <summary>Present in the candidate response, absent from the legacy one.</summary>
    Extra,
    ArrayLength,
    Status,
    Header,
    Body,

    /// <summary>An ordered array holds the same elements in another order (docs/comparison.md#arrays): one difference at the array's path.</summary>
    ArrayOrder,
    /// <summary>A key renamed in the same object (<c>customerName</c> / <c>customer_name</c>): <c>Path</c> is legacy's, <c>CandidatePath</c> the candidate's.</summary>
    Renamed,
}

/// <summary>
/// One difference between the legacy and candidate responses. <paramref name="Path"/> is <c>status</c>,
/// <c>header:NAME</c>, a JSON path (<c>$.items[2].price</c>, <c>$</c> for the root), <c>line:N</c> or <c>body</c>;
/// the values are short JSON-ish renderings (null where a side has nothing).
/// </summary>
public sealed record Difference(string Path, DifferenceKind Kind, string? Legacy, string? Candidate, bool IsNoise)
{
    /// <summary>Why it is noise, as judged by <see cref="Noise.NoiseRules.Apply"/> (the engine alone leaves it null).</summary>
    public Noise.NoiseSource? NoiseSource { get; init; }

    /// <summary>For <see cref="DifferenceKind.Renamed"/>: the key's path in the candidate's response.</summary>
    public string? CandidatePath { get; init; }
}

public sealed record ComparisonResult
{
    public required ComparisonOutcome Outcome { get; init; }

    /// <summary>The differences found, noise included (flagged), at most <c>DiffOptions.MaxDifferences</c>.</summary>
    public required IReadOnlyList<Difference> Differences { get; init; }

    /// <summary>
    /// True when the list may not show every difference: one was left out, or the list filled up with a real
    /// difference in it and the comparison stopped there. <see cref="Outcome"/> accounts for all of them either way.
    /// </summary>
    public bool DifferencesTruncated { get; init; }
}
