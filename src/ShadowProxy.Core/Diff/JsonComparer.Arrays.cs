using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ShadowProxy.Core.Diff;

/// <summary>
/// Arrays (docs/comparison.md#arrays). Ordered arrays are compared by position while their elements line up: an element with
/// differences still lines up when it is the same element (same identity key value). The first element that
/// differs and is not the same element means the positions no longer say which element is which: the array is
/// then aligned. Object elements with an identity key (<see cref="ArrayKeyRules"/>) are matched by it through a
/// dictionary and reported at <c>$.items[id=7].price</c>; other elements are paired by equal value (hash, then
/// deep equality, with a linear budget of checks). Elements matched out of order make one
/// <see cref="DifferenceKind.ArrayOrder"/> at the array's path, whatever the number of moves. Index paths stay
/// where positions line up, so that a field that differs in every element does not become one path per record.
/// </summary>
internal sealed partial class JsonComparer
{
    // Past this many equality checks per element, pairing stops: elements that hash alike (numbers under a tolerance)
    // would otherwise cost a check for every pair.
    private const int PairingChecksPerElement = 16;
    private const int MinPairingChecks = 65_536;

    // Elements named in an ArrayOrder difference's values.
    private const int LabelsShown = 6;

    private void CompareArrays(JsonElement legacy, JsonElement candidate)
    {
        var legacyLength = legacy.GetArrayLength();
        var candidateLength = candidate.GetArrayLength();
        if (!unorderedArrays.IsEmpty && unorderedArrays.MatchesExactly(context.Path.Span))
        {
            ReportLength(legacyLength, candidateLength);
            CompareAsMultisets(legacy, legacyLength, candidate, candidateLength);
            return;
        }

        var start = context.Mark();
        ReportLength(legacyLength, candidateLength);
        if (!TryCompareByPosition(legacy, candidate, detectMisalignment: true))
        {
            context.Rollback(start);
            CompareAligned(legacy, candidate);
        }
    }

    /// <summary>
    /// Compares two ordered arrays whose positions do not line up (the side-by-side reader comes here too):
    /// length, order, then each element against its counterpart.
    /// </summary>
    internal void CompareAligned(JsonElement legacy, JsonElement candidate)
    {
        var legacyLength = legacy.GetArrayLength();
        var candidateLength = candidate.GetArrayLength();
        ReportLength(legacyLength, candidateLength);
        var legacyItems = ArrayPool<JsonElement>.Shared.Rent(legacyLength);
        var candidateItems = ArrayPool<JsonElement>.Shared.Rent(candidateLength);
        try
        {
            CopyItems(legacy, legacyItems);
            CopyItems(candidate, candidateItems);
            if (!TryAlignByIdentity(legacyItems, legacyLength, candidateItems, candidateLength)
                && !TryAlignByValue(legacyItems, legacyLength, candidateItems, candidateLength))
            {
                // Too many look-alike elements to pair in linear time: by position, as without alignment.
                TryCompareByPosition(legacy, candidate, detectMisalignment: false);
            }
        }
        finally
        {
            ArrayPool<JsonElement>.Shared.Return(legacyItems, clearArray: true);
            ArrayPool<JsonElement>.Shared.Return(candidateItems, clearArray: true);
        }
    }

    private void ReportLength(int legacyLength, int candidateLength)
    {
        if (legacyLength != candidateLength && context.TryAdmit(context.Path.Span, out var isNoise))
        {
            context.Add(context.Path.Span, DifferenceKind.ArrayLength, legacyLength.ToString(provider: null), candidateLength.ToString(provider: null), isNoise);
        }
    }

    /// <returns>False, having reported part of the array, when <paramref name="detectMisalignment"/> and an element differs without being the same element.</returns>
    private bool TryCompareByPosition(JsonElement legacy, JsonElement candidate, bool detectMisalignment)
    {
        var path = context.Path;
        var mark = path.Length;
        string[]? keys = null;
        var index = 0;
        var candidateItems = candidate.EnumerateArray();
        foreach (var item in legacy.EnumerateArray())
        {
            path.AppendIndex(index++);
            if (candidateItems.MoveNext())
            {
                var seen = context.Seen;
                Compare(item, candidateItems.Current);
                if (detectMisalignment && context.Seen != seen)
                {
                    path.Truncate(mark);
                    keys ??= arrayKeys.KeysFor(path.Span);
                    if (!ArrayIdentity.SameElement(item, candidateItems.Current, keys))
                    {
                        return false;
                    }
                }
            }
            else
            {
                Report(DifferenceKind.Missing, item, null);
            }

            path.Truncate(mark);
            if (context.IsSaturated)
            {
                return true;
            }
        }

        while (candidateItems.MoveNext() && !context.IsSaturated)
        {
            path.AppendIndex(index++);
            Report(DifferenceKind.Extra, null, candidateItems.Current);
            path.Truncate(mark);
        }

        return true;
    }

    /// <summary>Matches object elements by identity key (O(n) with a dictionary); false when not every element has a distinct one.</summary>
    private bool TryAlignByIdentity(JsonElement[] legacy, int legacyLength, JsonElement[] candidate, int candidateLength)
    {
        var keys = arrayKeys.KeysFor(context.Path.Span);
        var sample = legacyLength > 0 ? legacy[0] : candidateLength > 0 ? candidate[0] : default;
        if (ArrayIdentity.KeyOf(sample, keys) is not { } key)
        {
            return false;
        }

        var legacyIds = new string[legacyLength];
        var candidateIds = new string[candidateLength];
        var legacyIndex = new Dictionary<string, int>(legacyLength, StringComparer.Ordinal);
        var candidateIndex = new Dictionary<string, int>(candidateLength, StringComparer.Ordinal);
        if (!ArrayIdentity.TryIndex(legacy.AsSpan(0, legacyLength), key, legacyIds, legacyIndex)
            || !ArrayIdentity.TryIndex(candidate.AsSpan(0, candidateLength), key, candidateIds, candidateIndex))
        {
            return false;
        }

        var candidateOf = new int[legacyLength];
        var legacyOf = new int[candidateLength];
        legacyOf.AsSpan().Fill(-1);
        for (var i = 0; i < legacyLength; i++)
        {
            if (candidateIndex.TryGetValue(legacyIds[i], out var j))
            {
                candidateOf[i] = j;
                legacyOf[j] = i;
            }
            else
            {
                candidateOf[i] = -1;
            }
        }

        ReportOrder(candidateOf, legacyOf, i => key + "=" + legacyIds[i]);
        var path = context.Path;
        var mark = path.Length;
        for (var i = 0; i < legacyLength && !context.IsSaturated; i++)
        {
            path.AppendIdentity(key, legacyIds[i]);
            if (candidateOf[i] >= 0)
            {
                Compare(legacy[i], candidate[candidateOf[i]]);
            }
            else
            {
                Report(DifferenceKind.Missing, legacy[i], null);
            }

            path.Truncate(mark);
        }

        for (var j = 0; j < candidateLength && !context.IsSaturated; j++)
        {
            if (legacyOf[j] < 0)
            {
                path.AppendIdentity(key, candidateIds[j]);
                Report(DifferenceKind.Extra, null, candidate[j]);
                path.Truncate(mark);
            }
        }

        return true;
    }

    /// <summary>
    /// Pairs equal elements wherever they are; the elements left over are compared in index order (a changed
    /// element meets its counterpart), and what is left after that is Missing or Extra. False when pairing ran
    /// out of its budget (nothing reported then).
    /// </summary>
    private bool TryAlignByValue(JsonElement[] legacy, int legacyLength, JsonElement[] candidate, int candidateLength)
    {
        var candidateOf = new int[legacyLength];
        var legacyOf = new int[candidateLength];
        if (!TryPairEqual(legacy, legacyLength, candidate, candidateLength, candidateOf, legacyOf))
        {
            return false;
        }

        ReportOrder(candidateOf, legacyOf, i => "[" + i.ToString(CultureInfo.InvariantCulture) + "]");
        var path = context.Path;
        var mark = path.Length;
        int l = 0, c = 0;
        while (!context.IsSaturated)
        {
            while (l < legacyLength && candidateOf[l] >= 0)
            {
                l++;
            }

            while (c < candidateLength && legacyOf[c] >= 0)
            {
                c++;
            }

            if (l == legacyLength || c == candidateLength)
            {
                break;
            }

            path.AppendIndex(l);
            Compare(legacy[l++], candidate[c++]);
            path.Truncate(mark);
        }

        for (; l < legacyLength && !context.IsSaturated; l++)
        {
            if (candidateOf[l] < 0)
            {
                path.AppendIndex(l);
                Report(DifferenceKind.Missing, legacy[l], null);
                path.Truncate(mark);
            }
        }

        for (; c < candidateLength && !context.IsSaturated; c++)
        {
            if (legacyOf[c] < 0)
            {
                path.AppendIndex(c);
                Report(DifferenceKind.Extra, null, candidate[c]);
                path.Truncate(mark);
            }
        }

        return true;
    }

    /// <summary>
    /// Pairs elements regardless of position; what is left unpaired is Missing (legacy index) or Extra (candidate
    /// index). Nested arrays inside elements are ordered.
    /// </summary>
    private void CompareAsMultisets(JsonElement legacy, int legacyLength, JsonElement candidate, int candidateLength)
    {
        var legacyItems = ArrayPool<JsonElement>.Shared.Rent(legacyLength);
        var candidateItems = ArrayPool<JsonElement>.Shared.Rent(candidateLength);
        try
        {
            CopyItems(legacy, legacyItems);
            CopyItems(candidate, candidateItems);
            var candidateOf = new int[legacyLength];
            var legacyOf = new int[candidateLength];

            // Out of budget, what is not paired yet stays unpaired: reported, never silently equal.
            TryPairEqual(legacyItems, legacyLength, candidateItems, candidateLength, candidateOf, legacyOf);
            var path = context.Path;
            var mark = path.Length;
            for (var i = 0; i < legacyLength && !context.IsSaturated; i++)
            {
                if (candidateOf[i] < 0)
                {
                    path.AppendIndex(i);
                    Report(DifferenceKind.Missing, legacyItems[i], null);
                    path.Truncate(mark);
                }
            }

            for (var j = 0; j < candidateLength && !context.IsSaturated; j++)
            {
                if (legacyOf[j] < 0)
                {
                    path.AppendIndex(j);
                    Report(DifferenceKind.Extra, null, candidateItems[j]);
                    path.Truncate(mark);
                }
            }
        }
        finally
        {
            ArrayPool<JsonElement>.Shared.Return(legacyItems, clearArray: true);
            ArrayPool<JsonElement>.Shared.Return(candidateItems, clearArray: true);
        }
    }

    /// <summary>
    /// Pairs each legacy element, in order, with the first unpaired equal candidate element: candidates sorted by
    /// hash, a bucket per hash found through a dictionary, deep equality within it. Linear in the elements plus at
    /// most <see cref="PairingChecksPerElement"/> checks per element; false when that budget ran out (pairs so far kept).
    /// </summary>
    private bool TryPairEqual(JsonElement[] legacy, int legacyLength, JsonElement[] candidate, int candidateLength, int[] candidateOf, int[] legacyOf)
    {
        candidateOf.AsSpan().Fill(-1);
        legacyOf.AsSpan().Fill(-1);
        var hashed = ArrayPool<HashedItem>.Shared.Rent(candidateLength);
        try
        {
            var items = hashed.AsSpan(0, candidateLength);
            for (var j = 0; j < candidateLength; j++)
            {
                items[j] = new HashedItem(candidate[j], j, Hash(candidate[j]));
            }

            items.Sort(static (a, b) => a.Hash != b.Hash ? a.Hash.CompareTo(b.Hash) : a.Index.CompareTo(b.Index));
            var buckets = new Dictionary<int, int>(candidateLength);
            for (var p = items.Length - 1; p >= 0; p--)
            {
                buckets[items[p].Hash] = p;
            }

            var budget = Math.Max((long)PairingChecksPerElement * (legacyLength + candidateLength), MinPairingChecks);
            for (var i = 0; i < legacyLength; i++)
            {
                var hash = Hash(legacy[i]);
                if (!buckets.TryGetValue(hash, out var first))
                {
                    continue;
                }

                // Paired entries at the front of a bucket are skipped once for all.
                while (first < items.Length && items[first].Hash == hash && legacyOf[items[first].Index] >= 0)
                {
                    first++;
                }

                buckets[hash] = first;
                for (var q = first; q < items.Length && items[q].Hash == hash; q++)
                {
                    var j = items[q].Index;
                    if (legacyOf[j] >= 0)
                    {
                        continue;
                    }

                    if (--budget < 0)
                    {
                        return false;
                    }

                    if (ValuesEqual(legacy[i], items[q].Element))
                    {
                        candidateOf[i] = j;
                        legacyOf[j] = i;
                        break;
                    }
                }
            }

            return true;
        }
        finally
        {
            ArrayPool<HashedItem>.Shared.Return(hashed, clearArray: true);
        }
    }

    /// <summary>
    /// One <see cref="DifferenceKind.ArrayOrder"/> at the array's path when the paired elements are not in the same
    /// relative order. Values: the first elements in legacy's order and in the candidate's, then how many moved
    /// (elements outside a longest run kept in order) and whether the order was simply reversed.
    /// </summary>
    private void ReportOrder(int[] candidateOf, int[] legacyOf, Func<int, string> label)
    {
        int matched = 0, previous = -1;
        bool increasing = true, decreasing = true;
        foreach (var j in candidateOf)
        {
            if (j < 0)
            {
                continue;
            }

            increasing &= j > previous;
            decreasing &= previous < 0 || j < previous;
            previous = j;
            matched++;
        }

        if (increasing || !context.TryAdmit(context.Path.Span, out var isNoise))
        {
            return;
        }

        var moved = matched - LongestIncreasingRun(candidateOf);
        var legacyText = Labels(candidateOf.Length, i => candidateOf[i] >= 0 ? label(i) : null, matched);
        var candidateText = Labels(legacyOf.Length, j => legacyOf[j] >= 0 ? label(legacyOf[j]) : null, matched)
            + string.Create(CultureInfo.InvariantCulture, $" ({(decreasing ? "reversed: " : string.Empty)}{moved} of {matched} moved)");
        context.Add(context.Path.Span, DifferenceKind.ArrayOrder, legacyText, candidateText, isNoise);
    }

    private static string Labels(int count, Func<int, string?> label, int total)
    {
        var text = new StringBuilder();
        var shown = 0;
        for (var i = 0; i < count && shown < LabelsShown; i++)
        {
            if (label(i) is { } name)
            {
                text.Append(shown++ == 0 ? string.Empty : ", ").Append(name);
            }
        }

        return total > shown ? text.Append(", …").ToString() : text.ToString();
    }

    /// <summary>Length of the longest increasing subsequence of the non-negative entries (patience sorting, O(n log n)).</summary>
    private static int LongestIncreasingRun(int[] sequence)
    {
        var tails = ArrayPool<int>.Shared.Rent(sequence.Length);
        try
        {
            var length = 0;
            foreach (var value in sequence)
            {
                if (value < 0)
                {
                    continue;
                }

                var at = tails.AsSpan(0, length).BinarySearch(value);
                at = at < 0 ? ~at : at;
                tails[at] = value;
                length = Math.Max(length, at + 1);
            }

            return length;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(tails);
        }
    }

    private static void CopyItems(JsonElement array, JsonElement[] into)
    {
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            into[index++] = item;
        }
    }

    private readonly record struct HashedItem(JsonElement Element, int Index, int Hash);
}

/// <summary>How an array element is identified (docs/comparison.md#arrays): the value of its identity key, a string or a number.</summary>
internal static class ArrayIdentity
{
    /// <summary>The first of <paramref name="keys"/> that <paramref name="element"/> (an object) has with a string or number value.</summary>
    public static string? KeyOf(JsonElement element, string[] keys)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var key in keys)
        {
            if (element.TryGetProperty(key, out var value) && value.ValueKind is JsonValueKind.String or JsonValueKind.Number)
            {
                return key;
            }
        }

        return null;
    }

    /// <summary>
    /// The identity under <paramref name="key"/>: a string's text, a number's literal. The number 7 and the string
    /// "7" are the same element, so that an id that changed type is matched and its TypeChanged reported once.
    /// </summary>
    public static bool TryGet(JsonElement element, string key, out string identity)
    {
        identity = string.Empty;
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(key, out var value))
        {
            return false;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                identity = value.GetString()!;
                return identity.Length > 0;
            case JsonValueKind.Number:
                identity = value.GetRawText();
                return true;
            default:
                return false;
        }
    }

    /// <summary>Fills the identities of <paramref name="elements"/> and an index by identity; false when one lacks it or two share it.</summary>
    public static bool TryIndex(ReadOnlySpan<JsonElement> elements, string key, string[] identities, Dictionary<string, int> index)
    {
        for (var i = 0; i < elements.Length; i++)
        {
            if (!TryGet(elements[i], key, out var identity) || !index.TryAdd(identity, i))
            {
                return false;
            }

            identities[i] = identity;
        }

        return true;
    }

    /// <summary>True when both are objects with the same identity: their differences belong to one element that stayed in place.</summary>
    public static bool SameElement(JsonElement legacy, JsonElement candidate, string[] keys) =>
        KeyOf(legacy, keys) is { } key
        && TryGet(legacy, key, out var legacyIdentity)
        && TryGet(candidate, key, out var candidateIdentity)
        && string.Equals(legacyIdentity, candidateIdentity, StringComparison.Ordinal);
}
