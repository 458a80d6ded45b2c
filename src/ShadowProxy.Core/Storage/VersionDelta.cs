namespace ShadowProxy.Core.Storage;

/// <summary>What a batch adds to one candidate version: first and last comparison (UTC ticks), comparisons, those that differed.</summary>
public sealed class VersionDelta
{
    public long First { get; private set; } = long.MaxValue;

    public long Last { get; private set; } = long.MinValue;

    public long Comparisons { get; private set; }

    public long Diffs { get; private set; }

    internal void Add(long ticks, bool differs)
    {
        First = Math.Min(First, ticks);
        Last = Math.Max(Last, ticks);
        Comparisons++;
        Diffs += differs ? 1 : 0;
    }
}
