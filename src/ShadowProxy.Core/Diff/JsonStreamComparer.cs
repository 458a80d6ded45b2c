using System.Runtime.CompilerServices;
using System.Text.Json;

namespace ShadowProxy.Core.Diff;

/// <summary>
/// Structural comparison of two JSON bodies that reads both with <see cref="Utf8JsonReader"/> side by side,
/// without building documents: most pairs list the same keys in the same order, so each token is read once and
/// compared as raw bytes, and fields missing or added at the end of an object are reported as they are read.
/// Where keys stop lining up (reordered, or inserted midway) it gives up, and the caller compares parsed documents
/// with <see cref="JsonComparer"/> instead; an array listed in <c>UnorderedArrays</c> is parsed and handed to it
/// on the spot. Reports what <see cref="JsonComparer"/> reports on the two parsed documents, in the same order
/// (duplicate keys aside, which JSON leaves undefined). Invalid JSON throws <see cref="JsonException"/>, possibly
/// after reporting: the caller rolls back. A completed comparison has read both bodies to the end, so validity is
/// judged on the whole body.
/// </summary>
internal readonly struct JsonStreamComparer(DiffContext context, double numericTolerance, PathPatternSet unorderedArrays, JsonReaderOptions readerOptions)
{
    /// <returns>False when keys did not line up: what was reported is partial, and the caller starts over.</returns>
    public bool TryCompare(ReadOnlySpan<byte> legacy, ReadOnlySpan<byte> candidate)
    {
        var left = new JsonCursor(legacy, readerOptions);
        var right = new JsonCursor(candidate, readerOptions);
        left.Read();
        right.Read();
        if (!CompareValues(ref left, ref right))
        {
            return false;
        }

        // Content after the root value is invalid JSON (Read throws on it); only whitespace may follow.
        var legacyHasMore = left.Reader.Read();
        var candidateHasMore = right.Reader.Read();
        if (legacyHasMore || candidateHasMore)
        {
            throw new JsonException("content after the root value");
        }

        return true;
    }

    /// <summary>Both cursors are on a value's first token; both end on its last token, unless this returns false.</summary>
    private bool CompareValues(ref JsonCursor legacy, ref JsonCursor candidate)
    {
        if (context.IsSaturated)
        {
            legacy.Reader.Skip();
            candidate.Reader.Skip();
            return true;
        }

        var legacyKind = KindOf(legacy.Reader.TokenType);
        if (legacyKind != KindOf(candidate.Reader.TokenType))
        {
            ReportBoth(DifferenceKind.TypeChanged, ref legacy, ref candidate);
            return true;
        }

        switch (legacyKind)
        {
            case JsonTokenType.StartObject:
                return CompareObjects(ref legacy, ref candidate);
            case JsonTokenType.StartArray:
                return CompareArrays(ref legacy, ref candidate);
            case JsonTokenType.Number when !JsonNumbers.Equal<Utf8JsonReader, ReaderNumber>(ref legacy.Reader, ref candidate.Reader, numericTolerance):
            case JsonTokenType.String when !StringsEqual(ref legacy.Reader, ref candidate.Reader):
            case JsonTokenType.True when legacy.Reader.TokenType != candidate.Reader.TokenType:
                ReportBoth(DifferenceKind.ValueChanged, ref legacy, ref candidate);
                break;
        }

        return true;
    }

    private bool CompareObjects(ref JsonCursor legacy, ref JsonCursor candidate)
    {
        var path = context.Path;
        var mark = path.Length;
        while (true)
        {
            legacy.Read();
            candidate.Read();
            var legacyToken = legacy.Reader.TokenType;
            var candidateToken = candidate.Reader.TokenType;
            if (legacyToken != JsonTokenType.PropertyName || candidateToken != JsonTokenType.PropertyName)
            {
                break;
            }

            if (!NamesEqual(ref legacy.Reader, ref candidate.Reader))
            {
                return context.IsSaturated ? SkipRestOfObjects(ref legacy, ref candidate) : false;
            }

            AppendName(ref legacy);
            legacy.Read();
            candidate.Read();
            if (!CompareValues(ref legacy, ref candidate))
            {
                return false;
            }

            path.Truncate(mark);
        }

        // One object ended; what is left of the other is missing or extra.
        ReportRestOfObject(DifferenceKind.Missing, ref legacy, mark);
        ReportRestOfObject(DifferenceKind.Extra, ref candidate, mark);
        return true;
    }

    /// <summary>From a property name or the end of an object, reports each property left and ends on the object's end.</summary>
    private void ReportRestOfObject(DifferenceKind kind, ref JsonCursor cursor, int mark)
    {
        var path = context.Path;
        while (cursor.Reader.TokenType == JsonTokenType.PropertyName)
        {
            if (context.IsSaturated)
            {
                cursor.SkipRestOfObject();
                return;
            }

            AppendName(ref cursor);
            cursor.Read();
            var value = cursor.ReadValue();
            Report(kind, value, value, hasLegacy: kind == DifferenceKind.Missing, hasCandidate: kind == DifferenceKind.Extra);
            path.Truncate(mark);
            cursor.Read();
        }
    }

    private static bool SkipRestOfObjects(ref JsonCursor legacy, ref JsonCursor candidate)
    {
        legacy.SkipRestOfObject();
        candidate.SkipRestOfObject();
        return true;
    }

    /// <summary>
    /// Parses the value under each reader (moving it to the value's last token) and compares the two documents.
    /// Kept out of the streaming methods: its <c>using</c> blocks would slow down their loops.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CompareAsDocuments(ref Utf8JsonReader legacy, ref Utf8JsonReader candidate)
    {
        using var legacyDocument = JsonDocument.ParseValue(ref legacy);
        using var candidateDocument = JsonDocument.ParseValue(ref candidate);
        new JsonComparer(context, numericTolerance, unorderedArrays).Compare(legacyDocument.RootElement, candidateDocument.RootElement);
    }

    private bool CompareArrays(ref JsonCursor legacy, ref JsonCursor candidate)
    {
        var path = context.Path;
        if (!unorderedArrays.IsEmpty && unorderedArrays.MatchesExactly(path.Span))
        {
            CompareUnorderedArrays(ref legacy, ref candidate);
            return true;
        }

        // A length difference is listed before the elements' differences, but the lengths are known only at the end.
        var lengthSlot = context.Count;
        var mark = path.Length;
        var index = 0;
        legacy.Read();
        candidate.Read();
        while (legacy.Reader.TokenType != JsonTokenType.EndArray && candidate.Reader.TokenType != JsonTokenType.EndArray)
        {
            path.AppendIndex(index++);
            if (!CompareValues(ref legacy, ref candidate))
            {
                return false;
            }

            path.Truncate(mark);
            legacy.Read();
            candidate.Read();
        }

        var legacyLength = index;
        while (legacy.Reader.TokenType != JsonTokenType.EndArray)
        {
            ReportUnpaired(DifferenceKind.Missing, ref legacy, legacyLength++, mark);
        }

        var candidateLength = index;
        while (candidate.Reader.TokenType != JsonTokenType.EndArray)
        {
            ReportUnpaired(DifferenceKind.Extra, ref candidate, candidateLength++, mark);
        }

        if (legacyLength != candidateLength)
        {
            context.Insert(lengthSlot, path.Span, DifferenceKind.ArrayLength, legacyLength, candidateLength);
        }

        return true;
    }

    /// <summary>Reports the element under <paramref name="cursor"/> as Missing or Extra and moves past it.</summary>
    private void ReportUnpaired(DifferenceKind kind, ref JsonCursor cursor, int index, int mark)
    {
        if (context.IsSaturated)
        {
            cursor.Reader.Skip();
        }
        else
        {
            var path = context.Path;
            path.AppendIndex(index);
            var value = cursor.ReadValue();
            Report(kind, value, value, hasLegacy: kind == DifferenceKind.Missing, hasCandidate: kind == DifferenceKind.Extra);
            path.Truncate(mark);
        }

        cursor.Read();
    }

    /// <summary>Equal bytes are equal multisets; anything else is paired element by element on parsed documents.</summary>
    private void CompareUnorderedArrays(ref JsonCursor legacy, ref JsonCursor candidate)
    {
        var legacyStart = legacy.Reader;
        var candidateStart = candidate.Reader;
        if (legacy.ReadValue().SequenceEqual(candidate.ReadValue()))
        {
            return;
        }

        CompareAsDocuments(ref legacyStart, ref candidateStart);
    }

    private static bool StringsEqual(ref Utf8JsonReader legacy, ref Utf8JsonReader candidate)
    {
        if (legacy.ValueSpan.SequenceEqual(candidate.ValueSpan))
        {
            return true;
        }

        // Different raw bytes can still be the same string when escapes are involved ("\u0041" is "A").
        return (legacy.ValueIsEscaped || candidate.ValueIsEscaped)
            && string.Equals(legacy.GetString(), candidate.GetString(), StringComparison.Ordinal);
    }

    private static bool NamesEqual(ref Utf8JsonReader legacy, ref Utf8JsonReader candidate)
    {
        if (!legacy.ValueIsEscaped)
        {
            return candidate.ValueIsEscaped ? candidate.ValueTextEquals(legacy.ValueSpan) : legacy.ValueSpan.SequenceEqual(candidate.ValueSpan);
        }

        return candidate.ValueIsEscaped
            ? string.Equals(legacy.GetString(), candidate.GetString(), StringComparison.Ordinal)
            : legacy.ValueTextEquals(candidate.ValueSpan);
    }

    private void AppendName(ref JsonCursor cursor)
    {
        if (cursor.Reader.ValueIsEscaped)
        {
            context.Path.AppendProperty(cursor.Reader.GetString().AsSpan());
        }
        else
        {
            context.Path.AppendProperty(cursor.Reader.ValueSpan);
        }
    }

    private void ReportBoth(DifferenceKind kind, ref JsonCursor legacy, ref JsonCursor candidate)
    {
        var legacyValue = legacy.ReadValue();
        var candidateValue = candidate.ReadValue();
        Report(kind, legacyValue, candidateValue, hasLegacy: true, hasCandidate: true);
    }

    private void Report(DifferenceKind kind, ReadOnlySpan<byte> legacy, ReadOnlySpan<byte> candidate, bool hasLegacy, bool hasCandidate)
    {
        var path = context.Path.Span;
        if (context.TryAdmit(path, out var isNoise))
        {
            context.Add(path, kind, hasLegacy ? ValueText.FromUtf8(legacy) : null, hasCandidate ? ValueText.FromUtf8(candidate) : null, isNoise);
        }
    }

    private static JsonTokenType KindOf(JsonTokenType token) => token == JsonTokenType.False ? JsonTokenType.True : token;

    /// <summary>A reader and the bytes it reads, so that raw values can be sliced out.</summary>
    private ref struct JsonCursor(ReadOnlySpan<byte> body, JsonReaderOptions options)
    {
        public Utf8JsonReader Reader = new(body, options);

        public readonly ReadOnlySpan<byte> Body = body;

        /// <summary>Reads the next token; the end of the input inside a value is invalid JSON.</summary>
        public void Read()
        {
            if (!Reader.Read())
            {
                throw new JsonException("unexpected end of JSON");
            }
        }

        /// <summary>The raw text of the value under the reader (its first token); the reader ends on its last token.</summary>
        public ReadOnlySpan<byte> ReadValue()
        {
            var start = (int)Reader.TokenStartIndex;
            Reader.Skip();
            return Body[start..(int)Reader.BytesConsumed];
        }

        /// <summary>From a property name or the end of an object, to the end of that object.</summary>
        public void SkipRestOfObject()
        {
            while (Reader.TokenType == JsonTokenType.PropertyName)
            {
                Read();
                Reader.Skip();
                Read();
            }
        }
    }
}
