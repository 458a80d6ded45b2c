using System.Runtime.CompilerServices;
using System.Text.Json;

namespace ShadowProxy.Core.Diff;

/// <summary>
/// Structural comparison of two JSON bodies that reads both with <see cref="Utf8JsonReader"/> side by side,
/// without building documents: most pairs list the same keys in the same order, so each token is read once and
/// compared as raw bytes, and fields missing or added at the end of an object are reported as they are read.
/// Where keys stop lining up (reordered, or inserted midway) it gives up, forgets what it reported and compares
/// the two bodies as parsed documents with <see cref="JsonComparer"/>; an array listed in <c>UnorderedArrays</c> is
/// parsed and handed to it on the spot. Reports what <see cref="JsonComparer"/> reports on the two parsed
/// documents, in the same order (duplicate keys aside, which JSON leaves undefined). Invalid JSON throws
/// <see cref="JsonException"/>, possibly after reporting: the caller rolls back. Both bodies are always read to
/// the end, so validity is judged on the whole body.
/// </summary>
internal readonly struct JsonStreamComparer(DiffContext context, double numericTolerance, PathPatternSet unorderedArrays, ArrayKeyRules arrayKeys, int maxDepth)
{
    public void Compare(ReadOnlyMemory<byte> legacy, ReadOnlyMemory<byte> candidate)
    {
        var start = context.Mark();
        if (!TryCompareSideBySide(legacy.Span, candidate.Span))
        {
            context.Rollback(start);
            CompareAsDocuments(legacy, candidate);
        }
    }

    /// <returns>False when keys did not line up: what was reported is partial.</returns>
    private bool TryCompareSideBySide(ReadOnlySpan<byte> legacy, ReadOnlySpan<byte> candidate)
    {
        var readerOptions = new JsonReaderOptions { MaxDepth = maxDepth };
        var left = new JsonCursor(legacy, readerOptions);
        var right = new JsonCursor(candidate, readerOptions);
        left.Read();
        right.Read();
        if (!CompareValues(ref left, ref right))
        {
            return false;
        }

        // Only whitespace may follow the root value: the reader throws on anything else.
        left.Reader.Read();
        right.Reader.Read();
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
            case JsonTokenType.Number when !JsonValues.NumbersEqual<Utf8JsonReader, ReaderValue>(ref legacy.Reader, ref candidate.Reader, numericTolerance):
            case JsonTokenType.String when !JsonValues.StringsEqual<Utf8JsonReader, ReaderValue>(ref legacy.Reader, ref candidate.Reader):
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
            ReportOneSide(kind, cursor.ReadValue());
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

    /// <summary>Both bodies as documents; JsonDocument reads the given memory in place and keeps its index in pooled arrays.</summary>
    private void CompareAsDocuments(ReadOnlyMemory<byte> legacy, ReadOnlyMemory<byte> candidate)
    {
        var options = new JsonDocumentOptions { MaxDepth = maxDepth };
        using var legacyDocument = JsonDocument.Parse(legacy, options);
        using var candidateDocument = JsonDocument.Parse(candidate, options);
        CompareDocuments(legacyDocument, candidateDocument);
    }

    /// <summary>
    /// Parses the value under each reader (moving it to the value's last token) and compares the two documents.
    /// Kept out of the side-by-side methods: its <c>using</c> blocks would slow down their loops.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CompareAsDocuments(ref Utf8JsonReader legacy, ref Utf8JsonReader candidate)
    {
        using var legacyDocument = JsonDocument.ParseValue(ref legacy);
        using var candidateDocument = JsonDocument.ParseValue(ref candidate);
        CompareDocuments(legacyDocument, candidateDocument);
    }

    private void CompareDocuments(JsonDocument legacy, JsonDocument candidate) =>
        new JsonComparer(context, numericTolerance, unorderedArrays, arrayKeys).Compare(legacy.RootElement, candidate.RootElement);

    /// <summary>Parses the arrays under each reader and aligns their elements (<see cref="JsonComparer.CompareAligned"/>).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CompareAlignedAsDocuments(ref Utf8JsonReader legacy, ref Utf8JsonReader candidate)
    {
        using var legacyDocument = JsonDocument.ParseValue(ref legacy);
        using var candidateDocument = JsonDocument.ParseValue(ref candidate);
        new JsonComparer(context, numericTolerance, unorderedArrays, arrayKeys).CompareAligned(legacyDocument.RootElement, candidateDocument.RootElement);
    }

    /// <summary>Whether two elements that differ are the same element (same identity key value), from their raw text.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool SameElement(ReadOnlySpan<byte> legacy, ReadOnlySpan<byte> candidate, string[] keys)
    {
        // Only objects have identities.
        if (legacy.IsEmpty || candidate.IsEmpty || legacy[0] != (byte)'{' || candidate[0] != (byte)'{')
        {
            return false;
        }

        var options = new JsonReaderOptions { MaxDepth = maxDepth };
        var legacyReader = new Utf8JsonReader(legacy, options);
        var candidateReader = new Utf8JsonReader(candidate, options);
        using var legacyDocument = JsonDocument.ParseValue(ref legacyReader);
        using var candidateDocument = JsonDocument.ParseValue(ref candidateReader);
        return ArrayIdentity.SameElement(legacyDocument.RootElement, candidateDocument.RootElement, keys);
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

        // Elements are compared by position while they line up; where one differs without being the same element
        // (JsonComparer.Arrays says why), the array is parsed from these copies and aligned.
        var arrayStart = context.Mark();
        var legacyArray = legacy.Reader;
        var candidateArray = candidate.Reader;
        string[]? keys = null;
        legacy.Read();
        candidate.Read();
        while (legacy.Reader.TokenType != JsonTokenType.EndArray && candidate.Reader.TokenType != JsonTokenType.EndArray)
        {
            path.AppendIndex(index++);
            var seen = context.Seen;
            var legacyElement = (int)legacy.Reader.TokenStartIndex;
            var candidateElement = (int)candidate.Reader.TokenStartIndex;
            if (!CompareValues(ref legacy, ref candidate))
            {
                return false;
            }

            path.Truncate(mark);
            if (context.Seen != seen)
            {
                keys ??= arrayKeys.KeysFor(path.Span);
                if (!SameElement(legacy.Body[legacyElement..(int)legacy.Reader.BytesConsumed], candidate.Body[candidateElement..(int)candidate.Reader.BytesConsumed], keys))
                {
                    legacy.SkipRestOfArray();
                    candidate.SkipRestOfArray();
                    context.Rollback(arrayStart);
                    CompareAlignedAsDocuments(ref legacyArray, ref candidateArray);
                    return true;
                }
            }

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
            ReportOneSide(kind, cursor.ReadValue());
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

    /// <summary>A difference in a value both sides have; the cursors end on the values' last tokens.</summary>
    private void ReportBoth(DifferenceKind kind, ref JsonCursor legacy, ref JsonCursor candidate)
    {
        var legacyValue = legacy.ReadValue();
        var candidateValue = candidate.ReadValue();
        var path = context.Path.Span;
        if (context.TryAdmit(path, out var isNoise))
        {
            context.Add(path, kind, ValueText.FromUtf8(legacyValue), ValueText.FromUtf8(candidateValue), isNoise);
        }
    }

    /// <summary>A value only one side has: legacy's when <paramref name="kind"/> is Missing, the candidate's when Extra.</summary>
    private void ReportOneSide(DifferenceKind kind, ReadOnlySpan<byte> value)
    {
        var path = context.Path.Span;
        if (context.TryAdmit(path, out var isNoise))
        {
            var text = ValueText.FromUtf8(value);
            context.Add(path, kind, kind == DifferenceKind.Missing ? text : null, kind == DifferenceKind.Extra ? text : null, isNoise);
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

        /// <summary>From an element's last token, to the end of its array.</summary>
        public void SkipRestOfArray()
        {
            Read();
            while (Reader.TokenType != JsonTokenType.EndArray)
            {
                Reader.Skip();
                Read();
            }
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
