namespace ShadowProxy.Core.Gates;

/// <summary>
/// What a gate window saw, as plain data: serializable as is, and mergeable so that fleet mode can
/// add up the windows of every instance.
/// </summary>
public sealed record WindowStats
{
    public static readonly WindowStats Empty = new();

    public BackendStats Legacy { get; init; } = BackendStats.Empty;

    public BackendStats Candidate { get; init; } = BackendStats.Empty;

    public long Matches { get; init; }

    public long Diffs { get; init; }

    public long Noise { get; init; }

    public long Comparisons => Matches + Diffs + Noise;

    public WindowStats Merge(WindowStats other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new WindowStats
        {
            Legacy = Legacy.Merge(other.Legacy),
            Candidate = Candidate.Merge(other.Candidate),
            Matches = Matches + other.Matches,
            Diffs = Diffs + other.Diffs,
            Noise = Noise + other.Noise,
        };
    }

    public static WindowStats Merge(IEnumerable<WindowStats> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        return windows.Aggregate(Empty, static (sum, next) => sum.Merge(next));
    }
}
