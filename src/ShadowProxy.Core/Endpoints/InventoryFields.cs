using System.Globalization;

namespace ShadowProxy.Core.Endpoints;

/// <summary>The field names of the inventory's shared counters (<c>CounterKeys.Inventory</c>), and how statuses are classed.</summary>
public static class InventoryFields
{
    public const string Requests = "n";
    public const string ResponseBytes = "rbs";
    public const string ResponseBodies = "rbn";
    public const string RequestBytes = "qbs";
    public const string RequestBodies = "qbn";
    public const string ContentTypePrefix = "t:";
    public const string QueryPrefix = "q:";
    public const string StatusPrefix = "s";

    /// <summary>1xx, 2xx, 3xx, 4xx, 5xx and <c>error</c> (no response).</summary>
    public const int ClassCount = 6;

    private static readonly string[] ClassFields = ["c1", "c2", "c3", "c4", "c5", "ce"];

    /// <summary>The names of the classes in the API: <c>1xx</c> … <c>5xx</c>, <c>error</c>.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = ["1xx", "2xx", "3xx", "4xx", "5xx", "error"];

    public static string Class(int index) => ClassFields[index];

    public static int ClassOf(int status) => status is >= 100 and < 600 ? (status / 100) - 1 : ClassCount - 1;

    public static bool TryParseClass(string field, out int index)
    {
        index = Array.IndexOf(ClassFields, field);
        return index >= 0;
    }

    public static string Status(int status) => StatusPrefix + status.ToString(CultureInfo.InvariantCulture);

    public static bool TryParseStatus(string field, out int status)
    {
        status = 0;
        return field.Length == 4 && field.StartsWith(StatusPrefix, StringComparison.Ordinal)
            && int.TryParse(field.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out status);
    }

    /// <summary>The media type of a Content-Type (<c>application/json</c> of <c>application/json; charset=utf-8</c>), trimmed.</summary>
    public static ReadOnlySpan<char> MediaType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return default;
        }

        var span = contentType.AsSpan();
        var semicolon = span.IndexOf(';');
        return (semicolon >= 0 ? span[..semicolon] : span).Trim();
    }
}
