namespace ShadowProxy.Core.Endpoints;

/// <summary>
/// The endpoint templates a migration declares (<c>Endpoints:Templates</c>, YARP route syntax): the first that matches a
/// path names its endpoint, before anything is learned. Literals match case-insensitively; <c>{name}</c> (constraints,
/// defaults and <c>?</c> accepted, not checked) matches one segment, an optional one also none at the end; a catch-all
/// <c>{*name}</c> or <c>{**name}</c> matches the rest; a segment mixing literals and parameters (<c>{name}.{ext}</c>)
/// matches by its literal prefix and suffix. The name shows parameters without their constraints: <c>{sku}</c>.
/// Matching allocates nothing.
/// </summary>
public sealed class ExplicitTemplates
{
    public const int MaxTemplates = 256;

    public static readonly ExplicitTemplates None = new([]);

    private readonly Template[] _templates;

    public ExplicitTemplates(IEnumerable<string> templates)
    {
        ArgumentNullException.ThrowIfNull(templates);
        _templates = [.. templates.Take(MaxTemplates).Select(t => new Template(t))];
    }

    public int Count => _templates.Length;

    /// <summary>The endpoint name of <paramref name="method"/> (upper case) and <paramref name="path"/> when a template matches; else null.</summary>
    public string? Match(ReadOnlySpan<char> method, ReadOnlySpan<char> path)
    {
        var end = path.IndexOfAny('?', '#');
        if (end >= 0)
        {
            path = path[..end];
        }

        foreach (var template in _templates)
        {
            if (template.Matches(path))
            {
                return template.Names.For(method, template.Path);
            }
        }

        return null;
    }

    /// <summary>A template's display form: <c>/api/catalog/products/{sku}</c> for <c>/api/catalog/products/{sku:regex(...)}</c>.</summary>
    public static string Display(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var segments = template.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(DisplaySegment);
        return "/" + string.Join('/', segments);
    }

    private static string DisplaySegment(string segment)
    {
        var result = new System.Text.StringBuilder();
        var rest = segment.AsSpan();
        while (!rest.IsEmpty)
        {
            var open = rest.IndexOf('{');
            var close = open < 0 ? -1 : rest[open..].IndexOf('}');
            if (close < 0)
            {
                result.Append(rest);
                break;
            }

            close += open;
            var parameter = rest[(open + 1)..close].TrimStart('*');
            var cut = parameter.IndexOfAny(':', '=', '?');
            result.Append(rest[..open]).Append('{').Append(cut >= 0 ? parameter[..cut] : parameter).Append('}');
            rest = rest[(close + 1)..];
        }

        return result.ToString();
    }

    private sealed class Template
    {
        private readonly Segment[] _segments;

        public Template(string template)
        {
            Path = Display(template);
            _segments = [.. template.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Segment.Parse)];
        }

        public string Path { get; }

        public MethodNames Names { get; } = new();

        public bool Matches(ReadOnlySpan<char> path)
        {
            var index = 0;
            foreach (var range in path.Split('/'))
            {
                var actual = path[range];
                if (actual.IsEmpty)
                {
                    continue;
                }

                if (index == _segments.Length)
                {
                    return false;
                }

                var segment = _segments[index];
                if (segment.Kind == SegmentKind.CatchAll)
                {
                    return true;
                }

                if (!segment.Matches(actual))
                {
                    return false;
                }

                index++;
            }

            // Unmatched template segments must all be optional (or a catch-all, which also matches nothing).
            for (; index < _segments.Length; index++)
            {
                if (_segments[index].Kind is not (SegmentKind.Optional or SegmentKind.CatchAll))
                {
                    return false;
                }
            }

            return true;
        }
    }

    private enum SegmentKind
    {
        Literal,
        Parameter,
        Optional,
        CatchAll,
        Complex,
    }

    private sealed record Segment(SegmentKind Kind, string Prefix, string Suffix)
    {
        public static Segment Parse(string text)
        {
            var open = text.IndexOf('{', StringComparison.Ordinal);
            var close = text.LastIndexOf('}');
            if (open < 0 || close < open)
            {
                return new Segment(SegmentKind.Literal, text, string.Empty);
            }

            if (open == 0 && close == text.Length - 1 && text.IndexOf('{', 1) < 0)
            {
                var inner = text[1..^1];
                return inner.StartsWith('*') ? new Segment(SegmentKind.CatchAll, string.Empty, string.Empty)
                    : inner.EndsWith('?') ? new Segment(SegmentKind.Optional, string.Empty, string.Empty)
                    : new Segment(SegmentKind.Parameter, string.Empty, string.Empty);
            }

            return new Segment(SegmentKind.Complex, text[..open], text[(close + 1)..]);
        }

        public bool Matches(ReadOnlySpan<char> actual) => Kind switch
        {
            SegmentKind.Literal => actual.Equals(Prefix, StringComparison.OrdinalIgnoreCase),
            SegmentKind.Complex => actual.Length > Prefix.Length + Suffix.Length
                && actual.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) && actual.EndsWith(Suffix, StringComparison.OrdinalIgnoreCase),
            _ => true,
        };
    }
}
