namespace ShadowProxy.Core.Storage;

/// <summary>
/// The keys of one kind a store keeps per migration (endpoints, versions): a key already kept stays, a new
/// one is admitted while there is room, and every further one counts as <see cref="StorageLimits.Overflow"/>.
/// </summary>
public sealed class BoundedKeys
{
    private readonly HashSet<string> _known;
    private readonly int _max;
    private readonly bool _overflowTakesAPlace;
    private int _taken;

    /// <param name="known">The keys the store holds now.</param>
    /// <param name="max">How many keys may be kept.</param>
    /// <param name="overflowTakesAPlace">Whether <see cref="StorageLimits.Overflow"/> counts against <paramref name="max"/> once it is there.</param>
    public BoundedKeys(IEnumerable<string> known, int max, bool overflowTakesAPlace)
    {
        _known = new HashSet<string>(known, StringComparer.Ordinal);
        _max = max;
        _overflowTakesAPlace = overflowTakesAPlace;
        _taken = _known.Count - (!overflowTakesAPlace && _known.Contains(StorageLimits.Overflow) ? 1 : 0);
    }

    /// <summary>The key <paramref name="key"/> is kept under: itself, or <see cref="StorageLimits.Overflow"/> beyond the bound.</summary>
    public string Admit(string key)
    {
        if (_known.Contains(key))
        {
            return key;
        }

        if (_taken >= _max)
        {
            key = StorageLimits.Overflow;
        }

        if (_known.Add(key) && (_overflowTakesAPlace || key != StorageLimits.Overflow))
        {
            _taken++;
        }

        return key;
    }
}
