using System.Collections.Concurrent;

namespace ShadowProxy.Core.Text;

/// <summary>
/// One string per distinct text, for names that comparisons produce again on every pair (endpoint names,
/// difference paths): a name seen before is found by its characters and costs no allocation, and the records
/// waiting for the store share it instead of each holding a copy. Bounded: past <c>maxCount</c> distinct texts,
/// and for texts longer than <c>maxLength</c>, it returns a new string as before. Thread-safe.
/// </summary>
internal sealed class StringInterner
{
    private readonly ConcurrentDictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _byText;
    private readonly int _maxCount;
    private readonly int _maxLength;

    // ConcurrentDictionary.Count takes every lock: keep an approximate count for the bound instead.
    private int _count;

    public StringInterner(int maxCount, int maxLength)
    {
        _maxCount = maxCount;
        _maxLength = maxLength;
        _byText = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public string Intern(ReadOnlySpan<char> text)
    {
        if (_byText.TryGetValue(text, out var interned))
        {
            return interned;
        }

        var created = text.ToString();
        if (text.Length <= _maxLength && Volatile.Read(ref _count) < _maxCount && _strings.TryAdd(created, created))
        {
            Interlocked.Increment(ref _count);
        }

        return created;
    }
}
