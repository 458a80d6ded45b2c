using System.Net.Http.Headers;

namespace ShadowProxy.Shadow;

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

    private static void Append(List<KeyValuePair<string, string>> list, HttpHeaders source)
    {
        foreach (var header in source.NonValidated)
        {
            // HeaderStringValues.ToString joins with ", ", as Separator.
            list.Add(new(header.Key, header.Value.ToString()));
        }
    }
}
