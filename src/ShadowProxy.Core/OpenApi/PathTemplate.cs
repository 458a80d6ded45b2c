using System.Globalization;
using System.Text;

namespace ShadowProxy.Core.OpenApi;

/// <summary>Path templates as OpenAPI reads them: <c>/users/{id}/orders/{orderId}</c>.</summary>
internal static class PathTemplate
{
    /// <summary>The template's parameter names, in order.</summary>
    public static List<string> ParameterNames(string template)
    {
        var names = new List<string>();
        var open = -1;
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] == '{')
            {
                open = i;
            }
            else if (template[i] == '}' && open >= 0)
            {
                names.Add(template[(open + 1)..i]);
                open = -1;
            }
        }

        return names;
    }

    /// <summary>The template with every parameter emptied (<c>/users/{}</c>): templates with the same skeleton are one path to OpenAPI.</summary>
    public static string Skeleton(string template)
    {
        var text = new StringBuilder(template.Length);
        var inside = false;
        foreach (var c in template)
        {
            if (c == '}')
            {
                inside = false;
            }

            if (!inside)
            {
                text.Append(c);
            }

            if (c == '{')
            {
                inside = true;
            }
        }

        return text.ToString();
    }

    /// <summary>Braces pair up, none nested, no parameter empty.</summary>
    public static bool IsBalanced(string template)
    {
        var open = -1;
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] == '{')
            {
                if (open >= 0)
                {
                    return false;
                }

                open = i;
            }
            else if (template[i] == '}')
            {
                if (open < 0 || i == open + 1)
                {
                    return false;
                }

                open = -1;
            }
        }

        return open < 0;
    }

    /// <summary>The template with a repeated parameter name numbered (<c>/a/{id}/b/{id}</c> → <c>/a/{id}/b/{id2}</c>): OpenAPI names each once.</summary>
    public static string Unique(string template)
    {
        var names = ParameterNames(template);
        if (names.Distinct(StringComparer.Ordinal).Count() == names.Count)
        {
            return template;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var text = new StringBuilder(template.Length + 4);
        var index = 0;
        var rest = template.AsSpan();
        while (rest.IndexOf('{') is var open and >= 0)
        {
            var close = rest[open..].IndexOf('}') + open;
            text.Append(rest[..(open + 1)]);
            var name = names[index++];
            var unique = name;
            for (var n = 2; !seen.Add(unique); n++)
            {
                unique = string.Create(CultureInfo.InvariantCulture, $"{name}{n}");
            }

            text.Append(unique).Append('}');
            rest = rest[(close + 1)..];
        }

        return text.Append(rest).ToString();
    }
}
