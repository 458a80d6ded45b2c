using System.Buffers;

namespace ShadowProxy.Core.Diff;

/// <summary>
/// A compiled set of difference-path patterns: JSON paths (<c>$.meta.requestId</c>, <c>$.items[*].updatedAt</c>,
/// <c>$..updatedAt</c>), <c>header:NAME</c> (or a bare header name), <c>status</c>, <c>body</c> and <c>line:N</c>.
/// Immutable and safe to share between threads.
/// </summary>
public sealed class PathPatternSet
{
    private const int StackSegments = 32;
    private const string HeaderPrefix = "header:";

    private readonly CompiledPattern[] _patterns;
    private readonly bool _hasJsonPatterns;

    // When every JSON pattern ends in a plain property name, an exact match needs the path to end in ".name":
    // a check that spares reading the path for most arrays of a document.
    private readonly string[]? _exactTails;

    private PathPatternSet(IReadOnlyList<string> patterns, CompiledPattern[] compiled)
    {
        Patterns = patterns;
        _patterns = compiled;
        _hasJsonPatterns = compiled.Any(pattern => pattern.Steps is not null);
        var lastSteps = compiled.Where(pattern => pattern.Steps is not null).Select(pattern => pattern.Steps!.LastOrDefault()).ToArray();
        if (lastSteps.All(step => step is { Kind: PathSegmentKind.Property, Name: { } name } && PathBuilder.IsPlainName(name)))
        {
            _exactTails = [.. lastSteps.Select(step => "." + step.Name).Distinct(StringComparer.Ordinal)];
        }
    }

    public static PathPatternSet Empty { get; } = new([], []);

    /// <summary>The patterns as configured, trimmed.</summary>
    public IReadOnlyList<string> Patterns { get; }

    public bool IsEmpty => _patterns.Length == 0;

    /// <summary>
    /// Compiles <paramref name="patterns"/>. On failure <paramref name="error"/> starts with the index of the bad
    /// pattern in brackets, e.g. <c>[2]: '$.items[' has an unterminated '[' at 7</c>, so a configuration
    /// validator can append it to the key name.
    /// </summary>
    public static bool TryCompile(IEnumerable<string> patterns, out PathPatternSet set, out string error)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        var texts = new List<string>();
        var compiled = new List<CompiledPattern>();
        var index = 0;
        foreach (var raw in patterns)
        {
            var text = raw?.Trim() ?? string.Empty;
            if (!TryCompileOne(text, out var pattern, out var reason))
            {
                set = Empty;
                error = $"[{index}]: '{text}' {reason}";
                return false;
            }

            texts.Add(text);
            compiled.Add(pattern);
            index++;
        }

        set = compiled.Count == 0 ? Empty : new PathPatternSet(texts, [.. compiled]);
        error = string.Empty;
        return true;
    }

    /// <summary>Compiles <paramref name="patterns"/>; throws <see cref="ArgumentException"/> on an invalid one.</summary>
    public static PathPatternSet Compile(IEnumerable<string> patterns) =>
        TryCompile(patterns, out var set, out var error) ? set : throw new ArgumentException(error, nameof(patterns));

    /// <summary>True when a pattern matches <paramref name="path"/> or one of its ancestors (<c>$.meta</c> matches <c>$.meta.x</c>).</summary>
    public bool Matches(string path) => Matches(path.AsSpan(), MatchMode.SelfOrDescendant);

    /// <inheritdoc cref="Matches(string)"/>
    public bool Matches(ReadOnlySpan<char> path) => Matches(path, MatchMode.SelfOrDescendant);

    /// <summary>True when a pattern matches <paramref name="path"/> itself (used for unordered arrays).</summary>
    public bool MatchesExactly(ReadOnlySpan<char> path) => Matches(path, MatchMode.Exact);

    /// <summary>True when a pattern matches <paramref name="path"/>, an ancestor or a possible descendant of it.</summary>
    internal bool MayMatchWithin(ReadOnlySpan<char> path) => Matches(path, MatchMode.Reachable);

    private bool Matches(ReadOnlySpan<char> path, MatchMode mode)
    {
        if (_patterns.Length == 0 || path.IsEmpty)
        {
            return false;
        }

        if (path[0] != '$')
        {
            foreach (var pattern in _patterns)
            {
                if (pattern.MatchesLiteral(path))
                {
                    return true;
                }
            }

            return false;
        }

        if (!_hasJsonPatterns || (mode == MatchMode.Exact && !EndsInExactTail(path)))
        {
            return false;
        }

        PathSegment[]? rented = null;
        Span<PathSegment> segments = stackalloc PathSegment[StackSegments];
        try
        {
            var count = 0;
            var reader = new JsonPathReader(path, allowWildcards: false);
            while (reader.TryRead(out var segment))
            {
                if (count == segments.Length)
                {
                    var larger = ArrayPool<PathSegment>.Shared.Rent(segments.Length * 2);
                    segments.CopyTo(larger);
                    if (rented is not null)
                    {
                        ArrayPool<PathSegment>.Shared.Return(rented);
                    }

                    rented = larger;
                    segments = larger;
                }

                segments[count++] = segment;
            }

            if (reader.Error is not null)
            {
                return false;
            }

            foreach (var pattern in _patterns)
            {
                if (pattern.Steps is { } steps && Match(steps, 0, segments[..count], 0, path, mode))
                {
                    return true;
                }
            }

            return false;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<PathSegment>.Shared.Return(rented);
            }
        }
    }

    private bool EndsInExactTail(ReadOnlySpan<char> path)
    {
        if (_exactTails is null)
        {
            return true;
        }

        foreach (var tail in _exactTails)
        {
            if (path.EndsWith(tail, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Match(JsonStep[] steps, int step, ReadOnlySpan<PathSegment> segments, int segment, ReadOnlySpan<char> path, MatchMode mode)
    {
        if (step == steps.Length)
        {
            return mode != MatchMode.Exact || segment == segments.Length;
        }

        if (segment == segments.Length)
        {
            return mode == MatchMode.Reachable;
        }

        var current = steps[step];
        if (!current.RecursiveDescent)
        {
            return current.Accepts(segments[segment], path) && Match(steps, step + 1, segments, segment + 1, path, mode);
        }

        for (var candidate = segment; candidate < segments.Length; candidate++)
        {
            if (current.Accepts(segments[candidate], path) && Match(steps, step + 1, segments, candidate + 1, path, mode))
            {
                return true;
            }
        }

        // A recursive step can still match somewhere below the path.
        return mode == MatchMode.Reachable;
    }

    private static bool TryCompileOne(string text, out CompiledPattern pattern, out string reason)
    {
        pattern = default!;
        reason = string.Empty;
        if (text.Length == 0)
        {
            reason = "is empty";
            return false;
        }

        if (text[0] == '$')
        {
            var steps = new List<JsonStep>();
            var reader = new JsonPathReader(text, allowWildcards: true);
            while (reader.TryRead(out var segment))
            {
                var name = segment.Kind switch
                {
                    PathSegmentKind.Property => JsonPathReader.Unescape(text.AsSpan(segment.Start, segment.Length), segment.Escaped),
                    PathSegmentKind.Identity => text.Substring(segment.Start, segment.Length),
                    _ => null,
                };
                steps.Add(new JsonStep(segment.Kind, name, segment.Index, segment.RecursiveDescent));
            }

            if (reader.Error is not null)
            {
                reason = "is not a valid path: " + reader.Error;
                return false;
            }

            pattern = new CompiledPattern(null, [.. steps]);
            return true;
        }

        if (text is "status" or "body" || IsLinePath(text))
        {
            pattern = new CompiledPattern(text, null);
            return true;
        }

        var headerName = text.StartsWith(HeaderPrefix, StringComparison.OrdinalIgnoreCase) ? text[HeaderPrefix.Length..] : text;
        if (headerName.Length == 0 || !headerName.All(IsHeaderTokenChar))
        {
            reason = "is neither a JSON path ($...), status, body, line:N nor a header name";
            return false;
        }

        pattern = new CompiledPattern(HeaderPrefix + headerName, null);
        return true;
    }

    private static bool IsLinePath(string text) =>
        text.StartsWith("line:", StringComparison.Ordinal) && text.Length > 5 && text.AsSpan(5).IndexOfAnyExceptInRange('0', '9') < 0;

    // RFC 9110 token characters.
    private static bool IsHeaderTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);

    private enum MatchMode
    {
        SelfOrDescendant,
        Exact,
        Reachable,
    }

    private readonly record struct JsonStep(PathSegmentKind Kind, string? Name, int Index, bool RecursiveDescent)
    {
        public bool Accepts(PathSegment segment, ReadOnlySpan<char> path) => Kind switch
        {
            PathSegmentKind.AnyProperty or PathSegmentKind.AnyIndex => true,
            PathSegmentKind.Index => segment.Kind == PathSegmentKind.Index && segment.Index == Index,
            PathSegmentKind.Identity => segment.Kind == PathSegmentKind.Identity && path.Slice(segment.Start, segment.Length).SequenceEqual(Name),
            _ => segment.Kind == PathSegmentKind.Property
                && JsonPathReader.NameEquals(path.Slice(segment.Start, segment.Length), segment.Escaped, Name),
        };
    }

    /// <summary>Either a literal path (status, body, line:N, header:NAME) or the steps of a JSON path.</summary>
    private sealed record CompiledPattern(string? Literal, JsonStep[]? Steps)
    {
        public bool MatchesLiteral(ReadOnlySpan<char> path)
        {
            if (Literal is null)
            {
                return false;
            }

            // Header names are case-insensitive; the other literals are written by the engine in one form.
            return Literal.StartsWith(HeaderPrefix, StringComparison.Ordinal)
                ? path.StartsWith(HeaderPrefix, StringComparison.Ordinal) && path[HeaderPrefix.Length..].Equals(Literal.AsSpan(HeaderPrefix.Length), StringComparison.OrdinalIgnoreCase)
                : path.SequenceEqual(Literal);
        }
    }
}
