using System.Text;

namespace ShadowProxy.Core.Diff;

/// <summary>
/// Folds the array positions of a difference path into <c>[*]</c>: <c>$.items[3].status</c> and
/// <c>$.items[id=7].status</c> become <c>$.items[*].status</c>, the pattern that names them all (and that
/// <c>IgnoreJsonPaths</c>, marks and overrides accept). Other paths (headers, status, body, lines) stay as they are.
/// </summary>
public static class PathGeneralizer
{
    public static string Generalize(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0 || path[0] != '$' || path.IndexOf('[', StringComparison.Ordinal) < 0)
        {
            return path;
        }

        var reader = new JsonPathReader(path, allowWildcards: false);
        var folded = new StringBuilder("$", path.Length);
        var changed = false;
        var end = 1;
        while (reader.TryRead(out var segment))
        {
            var start = end;
            end = EndOf(path, segment);
            if (segment.Kind is PathSegmentKind.Index or PathSegmentKind.Identity)
            {
                folded.Append("[*]");
                changed = true;
            }
            else
            {
                folded.Append(path, start, end - start);
            }
        }

        // A path the reader cannot read is left alone.
        return reader.Error is null && changed ? folded.ToString() : path;
    }

    /// <summary>Where the text of <paramref name="segment"/> ends: after its name, or after its closing bracket (and quote).</summary>
    private static int EndOf(string path, PathSegment segment)
    {
        var end = segment.Start + segment.Length;
        while (end < path.Length && path[end] is '\'' or '"')
        {
            end++;
        }

        return end < path.Length && path[end] == ']' ? end + 1 : end;
    }
}
