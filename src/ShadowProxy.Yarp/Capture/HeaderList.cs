using System.Net.Http.Headers;

namespace ShadowProxy.Capture;

/// <summary>
/// Headers as the comparison sees them: one entry per name, repeated values joined with ", ". The
/// shadow's come from an HttpClient message (which joins that way itself), the primary's from the
/// proxy's response; both sides of a pair must join alike, or a header sent twice differs on every pair.
/// </summary>
internal static class HeaderList
{
    private const string Separator = ", ";

    public static List<KeyValuePair<string, string>> Copy(HttpHeaders headers, HttpHeaders? contentHeaders)
    {
        var list = new List<KeyValuePair<string, string>>();
        Append(list, headers);
        if (contentHeaders is not null)
        {
            Append(list, contentHeaders);
        }

        return list;
    }

    public static List<KeyValuePair<string, string>> Copy(IHeaderDictionary headers)
    {
        var list = new List<KeyValuePair<string, string>>(headers.Count);
        foreach (var (name, values) in headers)
        {
            // StringValues.ToString would join with "," alone.
            list.Add(new(name, values.Count == 1 ? values[0] ?? string.Empty : string.Join(Separator, values.ToArray())));
        }

        return list;
    }

    /// <summary>
    /// The headers of a message sent upstream, copied only when something reads them (a stored sample): most
    /// comparisons never do, so they are not copied per request.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Lazy(HttpRequestMessage message) =>
        new LazyHeaders(message.Headers, message.Content?.Headers);

    private static void Append(List<KeyValuePair<string, string>> list, HttpHeaders source)
    {
        foreach (var header in source.NonValidated)
        {
            // HeaderStringValues.ToString joins with ", ", as Separator.
            list.Add(new(header.Key, header.Value.ToString()));
        }
    }

    private sealed class LazyHeaders(HttpHeaders headers, HttpHeaders? contentHeaders) : IReadOnlyList<KeyValuePair<string, string>>
    {
        private List<KeyValuePair<string, string>>? _list;

        private List<KeyValuePair<string, string>> List => _list ??= Copy(headers, contentHeaders);

        public int Count => List.Count;

        public KeyValuePair<string, string> this[int index] => List[index];

        public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => List.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
