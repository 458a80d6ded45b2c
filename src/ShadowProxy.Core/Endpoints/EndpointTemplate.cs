using System.Text;

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

    public static string Create(string method, string? routeTemplate, string path)
    {
        ArgumentNullException.ThrowIfNull(method);
        var builder = new StringBuilder(64).Append(method.ToUpperInvariant()).Append(' ');
        var prefixLength = builder.Length;

        var pathSegments = SplitPath(path ?? string.Empty);
        var routeSegments = (routeTemplate ?? string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries);
        var written = 0;
        var folding = routeTemplate is null;
        foreach (var segment in pathSegments)
        {
            if (written == MaxSegments)
            {
                builder.Append('/').Append(Overflow);
                break;
            }

            if (!folding && written < routeSegments.Length && !IsCatchAll(routeSegments[written]))
            {
                builder.Append('/').Append(RouteSegment(routeSegments[written], segment));
            }
            else
            {
                folding = true;
                builder.Append('/').Append(IsIdLike(segment) ? Id : segment);
            }

            written++;
        }

        if (builder.Length == prefixLength)
        {
            builder.Append('/');
        }

        return builder.Length <= MaxLength ? builder.ToString() : string.Concat(builder.ToString(0, MaxLength - Overflow.Length), Overflow);
    }

    /// <summary>True for numbers, UUIDs, hex ids (8+ hex digits with a digit) and long mixed letter-digit tokens.</summary>
    public static bool IsIdLike(ReadOnlySpan<char> segment)
    {
        if (segment.IsEmpty)
        {
            return false;
        }

        if (segment.IndexOfAnyExceptInRange('0', '9') < 0 || Guid.TryParseExact(segment, "D", out _))
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

    /// <summary>A literal route segment keeps the path's spelling; parameters become <c>{name}</c> without constraints or defaults.</summary>
    private static string RouteSegment(string route, string actual)
    {
        if (!route.Contains('{', StringComparison.Ordinal))
        {
            return actual;
        }

        var builder = new StringBuilder(route.Length);
        var position = 0;
        while (position < route.Length)
        {
            var open = route.IndexOf('{', position);
            var close = open < 0 ? -1 : route.IndexOf('}', open);
            if (open < 0 || close < 0)
            {
                builder.Append(route, position, route.Length - position);
                break;
            }

            builder.Append(route, position, open - position).Append('{').Append(ParameterName(route.AsSpan(open + 1, close - open - 1))).Append('}');
            position = close + 1;
        }

        return builder.ToString();
    }

    private static ReadOnlySpan<char> ParameterName(ReadOnlySpan<char> parameter)
    {
        parameter = parameter.TrimStart('*');
        var end = parameter.IndexOfAny(':', '=', '?');
        return end >= 0 ? parameter[..end] : parameter;
    }

    private static bool IsCatchAll(string routeSegment) => routeSegment.StartsWith("{*", StringComparison.Ordinal);

    private static string[] SplitPath(string path)
    {
        var end = path.AsSpan().IndexOfAny('?', '#');
        var withoutQuery = end >= 0 ? path[..end] : path;
        return withoutQuery.Split('/', StringSplitOptions.RemoveEmptyEntries);
    }
}
