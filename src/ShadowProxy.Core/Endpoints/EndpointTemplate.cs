using ShadowProxy.Core.Text;

namespace ShadowProxy.Core.Endpoints;

/// <summary>
/// Names the endpoint a request belongs to, for grouping differences: method plus a path template such as
/// <c>GET /api/orders/{id}</c>. Route segments (YARP syntax) are used where they line up with the path; the rest
/// of the path (a catch-all's part, or all of it without a route) has its id-like segments folded to <c>{id}</c>.
/// </summary>
public static class EndpointTemplate
{
    public const int MaxSegments = 16;
    public const int MaxLength = 256;
    private const string Id = "{id}";
    private const string Overflow = "…";

    // Endpoint names repeat on every pair; a service has few of them (the bound is far above EndpointReport's 500).
    private static readonly StringInterner Names = new(maxCount: 4096, maxLength: MaxLength);

    public static string Create(string method, string? routeTemplate, string path)
    {
        ArgumentNullException.ThrowIfNull(method);

        // Written into a buffer one character longer than the limit: enough to tell whether the name was cut.
        Span<char> buffer = stackalloc char[MaxLength + 1];
        var name = new NameWriter(buffer);
        name.AppendUpperInvariant(method);
        name.Append(' ');
        var prefixLength = name.Length;

        var pathSpan = (path ?? string.Empty).AsSpan();
        var end = pathSpan.IndexOfAny('?', '#');
        var pathSegments = (end >= 0 ? pathSpan[..end] : pathSpan).Split('/');
        var route = (routeTemplate ?? string.Empty).AsSpan();
        var routeSegments = route.Split('/');
        var written = 0;
        var folding = routeTemplate is null;
        foreach (var segmentRange in pathSegments)
        {
            var segment = pathSpan[segmentRange];
            if (segment.IsEmpty)
            {
                continue;
            }

            if (written == MaxSegments)
            {
                name.Append('/');
                name.Append(Overflow);
                break;
            }

            // Route segments line up with path segments until the first catch-all or the route's end; then folding.
            var routeSegment = folding ? default : NextSegment(ref routeSegments, route);
            folding |= routeSegment.IsEmpty || IsCatchAll(routeSegment);
            name.Append('/');
            if (folding)
            {
                name.Append(IsIdLike(segment) ? Id : segment);
            }
            else
            {
                AppendRouteSegment(ref name, routeSegment, segment);
            }

            written++;
        }

        if (name.Length == prefixLength)
        {
            name.Append('/');
        }

        return name.Length <= MaxLength
            ? Names.Intern(buffer[..name.Length])
            : string.Concat(buffer[..(MaxLength - Overflow.Length)], Overflow);
    }

    /// <summary>True for numbers, UUIDs, dates (<c>2024-01-05</c>, with or without a time), hex ids (8+ hex digits with a digit) and long mixed letter-digit tokens.</summary>
    public static bool IsIdLike(ReadOnlySpan<char> segment)
    {
        if (segment.IsEmpty)
        {
            return false;
        }

        if (AllDigits(segment) || Guid.TryParseExact(segment, "D", out _) || IsDate(segment))
        {
            return true;
        }

        bool hasDigit = false, hasLetter = false, allHex = true, allToken = true;
        foreach (var c in segment)
        {
            hasDigit |= char.IsAsciiDigit(c);
            hasLetter |= char.IsAsciiLetter(c);
            allHex &= char.IsAsciiHexDigit(c);
            allToken &= char.IsAsciiLetterOrDigit(c) || c is '-' or '_';
        }

        return (allHex && hasDigit && segment.Length >= 8) || (allToken && hasDigit && hasLetter && segment.Length >= 16);
    }

    /// <summary>
    /// True when every character is an ASCII digit (and there is one). A loop on purpose: on the request path, and
    /// <c>IndexOfAnyExceptInRange</c> allocated on every call on .NET 10 (measured in EndpointLearnerTests).
    /// </summary>
    internal static bool AllDigits(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return !text.IsEmpty;
    }

    /// <summary>True when some character is an ASCII digit (a loop, like <see cref="AllDigits"/>).</summary>
    internal static bool AnyDigit(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>yyyy-MM-dd</c>, alone or followed by a time (<c>T…</c>).</summary>
    private static bool IsDate(ReadOnlySpan<char> segment) =>
        segment.Length >= 10 && segment[4] == '-' && segment[7] == '-'
        && AllDigits(segment[..4]) && AllDigits(segment[5..7]) && AllDigits(segment[8..10])
        && (segment.Length == 10 || segment[10] is 'T' or 't');

    /// <summary>A literal route segment keeps the path's spelling; parameters become <c>{name}</c> without constraints or defaults.</summary>
    private static void AppendRouteSegment(ref NameWriter name, ReadOnlySpan<char> route, ReadOnlySpan<char> actual)
    {
        if (!route.Contains('{'))
        {
            name.Append(actual);
            return;
        }

        while (!route.IsEmpty)
        {
            var open = route.IndexOf('{');
            var close = open < 0 ? -1 : route[open..].IndexOf('}');
            if (close < 0)
            {
                name.Append(route);
                break;
            }

            close += open;
            name.Append(route[..open]);
            name.Append('{');
            name.Append(ParameterName(route[(open + 1)..close]));
            name.Append('}');
            route = route[(close + 1)..];
        }
    }

    private static ReadOnlySpan<char> ParameterName(ReadOnlySpan<char> parameter)
    {
        parameter = parameter.TrimStart('*');
        var end = parameter.IndexOfAny(':', '=', '?');
        return end >= 0 ? parameter[..end] : parameter;
    }

    private static bool IsCatchAll(ReadOnlySpan<char> routeSegment) => routeSegment.StartsWith("{*", StringComparison.Ordinal);

    /// <summary>The route's next non-empty segment, or empty when there is none.</summary>
    private static ReadOnlySpan<char> NextSegment(ref MemoryExtensions.SpanSplitEnumerator<char> segments, ReadOnlySpan<char> route)
    {
        while (segments.MoveNext())
        {
            if (!route[segments.Current].IsEmpty)
            {
                return route[segments.Current];
            }
        }

        return default;
    }

    /// <summary>
    /// Appends to a fixed buffer; past its end it only counts, so that <see cref="Length"/> says how long the
    /// whole name would be.
    /// </summary>
    private ref struct NameWriter(Span<char> buffer)
    {
        private readonly Span<char> _buffer = buffer;

        public int Length { get; private set; }

        public void Append(char c)
        {
            if (Length < _buffer.Length)
            {
                _buffer[Length] = c;
            }

            Length++;
        }

        public void Append(scoped ReadOnlySpan<char> text)
        {
            if (Length < _buffer.Length)
            {
                text[..Math.Min(text.Length, _buffer.Length - Length)].CopyTo(_buffer[Length..]);
            }

            Length += text.Length;
        }

        /// <summary>Appends <paramref name="text"/> upper-cased (invariant casing maps char for char).</summary>
        public void AppendUpperInvariant(ReadOnlySpan<char> text)
        {
            var fits = Math.Clamp(_buffer.Length - Length, 0, text.Length);
            if (fits > 0)
            {
                text[..fits].ToUpperInvariant(_buffer[Length..]);
            }

            Length += text.Length;
        }
    }
}
