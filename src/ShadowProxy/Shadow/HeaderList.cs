using System.Net.Http.Headers;

namespace ShadowProxy.Shadow;

/// <summary>Message and content headers of an HttpClient message as the comparison sees them: one entry per name, values joined.</summary>
internal static class HeaderList
{
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

    private static void Append(List<KeyValuePair<string, string>> list, HttpHeaders source)
    {
        foreach (var header in source.NonValidated)
        {
            list.Add(new(header.Key, header.Value.ToString()));
        }
    }
}
