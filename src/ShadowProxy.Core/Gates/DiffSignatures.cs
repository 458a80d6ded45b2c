using System.Collections.Concurrent;

namespace ShadowProxy.Core.Gates;

/// <summary>
/// The comparisons of one gate-window slot that had differences, kept as "signatures" (endpoint and the set of
/// differing paths) with a count each, so that the diff-rate gate can judge them by the noise rules in force when
/// the window is evaluated (docs/comparison.md#noise), not by those of the moment they were compared. Most comparisons of a
/// service share a handful of signatures, so this stays small; it is bounded all the same: past
/// <see cref="MaxSignatures"/> distinct signatures in a slot, a comparison keeps the verdict it had when compared.
/// Lock-free to record.
/// </summary>
internal sealed class DiffSignatures
{
    public const int MaxSignatures = 256;

    private readonly ConcurrentDictionary<DiffSignature, long> _counts = new();

    // ConcurrentDictionary.Count takes every lock: keep an approximate count for the bound instead.
    private int _distinct;

    /// <summary>Counts one comparison under <paramref name="signature"/>; false when the slot is full and the caller must count it as it was judged.</summary>
    public bool TryAdd(DiffSignature signature)
    {
        if (_counts.TryGetValue(signature, out _) || Volatile.Read(ref _distinct) < MaxSignatures)
        {
            if (_counts.TryAdd(signature, 1))
            {
                Interlocked.Increment(ref _distinct);
            }
            else
            {
                _counts.AddOrUpdate(signature, 1, static (_, count) => count + 1);
            }

            return true;
        }

        return false;
    }

    /// <summary>Adds this slot's comparisons to <paramref name="diffs"/> or <paramref name="noise"/> as <paramref name="isNoise"/> judges their paths now.</summary>
    public void Judge(Func<string, string, bool>? isNoise, Dictionary<(string, string), bool> memo, ref long diffs, ref long noise)
    {
        foreach (var (signature, count) in _counts)
        {
            if (isNoise is null ? signature.WasDiff : signature.HasRealDifference(isNoise, memo))
            {
                diffs += count;
            }
            else
            {
                noise += count;
            }
        }
    }
}

/// <summary>
/// An endpoint and the distinct paths at which one comparison differed (noise included), in ordinal order, with
/// whether it counted as a diff when compared (for readers that bring no rules).
/// </summary>
public sealed class DiffSignature : IEquatable<DiffSignature>
{
    private readonly string[] _paths;
    private readonly int _hash;

    public DiffSignature(string endpoint, IEnumerable<string> paths, bool wasDiff)
    {
        WasDiff = wasDiff;
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(paths);
        Endpoint = endpoint;
        _paths = paths.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var hash = new HashCode();
        hash.Add(endpoint, StringComparer.Ordinal);
        hash.Add(wasDiff);
        foreach (var path in _paths)
        {
            hash.Add(path, StringComparer.Ordinal);
        }

        _hash = hash.ToHashCode();
    }

    public string Endpoint { get; }

    public bool WasDiff { get; }

    public IReadOnlyList<string> Paths => _paths;

    internal bool HasRealDifference(Func<string, string, bool> isNoise, Dictionary<(string, string), bool> memo)
    {
        foreach (var path in _paths)
        {
            if (!memo.TryGetValue((Endpoint, path), out var noise))
            {
                memo[(Endpoint, path)] = noise = isNoise(Endpoint, path);
            }

            if (!noise)
            {
                return true;
            }
        }

        return false;
    }

    public bool Equals(DiffSignature? other) =>
        other is not null && _hash == other._hash && WasDiff == other.WasDiff && string.Equals(Endpoint, other.Endpoint, StringComparison.Ordinal) && _paths.AsSpan().SequenceEqual(other._paths);

    public override bool Equals(object? obj) => Equals(obj as DiffSignature);

    public override int GetHashCode() => _hash;
}
