using System.Buffers;

namespace ShadowProxy.Core.Diff;

/// <summary>
/// Line-by-line comparison. The common leading and trailing lines are skipped; the differing middle is
/// compared index by index (ValueChanged, then Missing/Extra for the longer side's rest). One inserted or
/// removed block therefore reports exactly its lines; several separate insertions report a cascade, capped by
/// <see cref="DiffContext.MaxDifferences"/>. That trade keeps the cost linear, unlike a full LCS.
/// Paths are <c>line:N</c>, 1-based, numbered on the side that has the line.
/// </summary>
internal static class TextComparer
{
    public static void Compare(ReadOnlySpan<byte> legacy, ReadOnlySpan<byte> candidate, DiffContext context)
    {
        var legacyLines = SplitLines(legacy, out var legacyCount);
        var candidateLines = SplitLines(candidate, out var candidateCount);
        try
        {
            var prefix = 0;
            var shorter = Math.Min(legacyCount, candidateCount);
            while (prefix < shorter && Line(legacy, legacyLines[prefix]).SequenceEqual(Line(candidate, candidateLines[prefix])))
            {
                prefix++;
            }

            var suffix = 0;
            while (suffix < shorter - prefix
                && Line(legacy, legacyLines[legacyCount - 1 - suffix]).SequenceEqual(Line(candidate, candidateLines[candidateCount - 1 - suffix])))
            {
                suffix++;
            }

            var legacyEnd = legacyCount - suffix;
            var candidateEnd = candidateCount - suffix;
            Span<char> path = stackalloc char[16];
            for (var line = prefix; line < Math.Max(legacyEnd, candidateEnd) && !context.IsSaturated; line++)
            {
                var hasLegacy = line < legacyEnd;
                var hasCandidate = line < candidateEnd;
                var legacyText = hasLegacy ? Line(legacy, legacyLines[line]) : default;
                var candidateText = hasCandidate ? Line(candidate, candidateLines[line]) : default;
                if (hasLegacy && hasCandidate && legacyText.SequenceEqual(candidateText))
                {
                    continue;
                }

                var kind = !hasCandidate ? DifferenceKind.Missing : !hasLegacy ? DifferenceKind.Extra : DifferenceKind.ValueChanged;
                "line:".CopyTo(path);
                (line + 1).TryFormat(path[5..], out var written, provider: null);
                var linePath = path[..(5 + written)];
                if (context.TryAdmit(linePath, out var isNoise))
                {
                    context.Add(
                        linePath,
                        kind,
                        hasLegacy ? ValueText.FromUtf8(legacyText) : null,
                        hasCandidate ? ValueText.FromUtf8(candidateText) : null,
                        isNoise);
                }
            }
        }
        finally
        {
            ArrayPool<Range>.Shared.Return(legacyLines);
            ArrayPool<Range>.Shared.Return(candidateLines);
        }
    }

    private static ReadOnlySpan<byte> Line(ReadOnlySpan<byte> text, Range range) => text[range];

    /// <summary>Lines split at '\n' (kept as they are otherwise, '\r' included); "a\n" is two lines, the second empty.</summary>
    private static Range[] SplitLines(ReadOnlySpan<byte> text, out int count)
    {
        var lines = ArrayPool<Range>.Shared.Rent(text.Count((byte)'\n') + 1);
        count = 0;
        var start = 0;
        int newline;
        while ((newline = text[start..].IndexOf((byte)'\n')) >= 0)
        {
            lines[count++] = new Range(start, start + newline);
            start += newline + 1;
        }

        lines[count++] = new Range(start, text.Length);
        return lines;
    }
}
