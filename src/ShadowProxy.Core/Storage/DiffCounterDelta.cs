namespace ShadowProxy.Core.Storage;

/// <summary>
/// What a batch adds to one counter: occurrences, of which noise, the first and last time (UTC ticks), and
/// whether the latest occurrence was noise (a counter's noise flag follows its latest occurrence).
/// </summary>
public sealed class DiffCounterDelta
{
    public long Count { get; private set; }

    public long Noise { get; private set; }

    public long First { get; private set; } = long.MaxValue;

    public long Last { get; private set; } = long.MinValue;

    public bool LastIsNoise { get; private set; }

    internal void Add(long ticks, bool isNoise)
    {
        Count++;
        Noise += isNoise ? 1 : 0;
        First = Math.Min(First, ticks);
        if (ticks >= Last)
        {
            Last = ticks;
            LastIsNoise = isNoise;
        }
    }
}
