using System.Globalization;
using System.Text.Json;
using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Storage;
using ShadowProxy.Core.Triage;

namespace ShadowProxy.Admin;

/// <summary>
/// The query parameters of the diff endpoints, parsed strictly: a value that does not parse is a 400 whose detail
/// names the parameter and what it accepts, never a silent default.
/// </summary>
internal static class DiffQueryParameters
{
    public static bool TryParseInt(string? text, string name, int fallback, int min, int max, out int value, out string error)
    {
        error = string.Empty;
        value = fallback;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) && value >= min && value <= max)
        {
            return true;
        }

        error = $"{name}: '{text}' must be a whole number from {min} to {max}.";
        return false;
    }

    public static bool TryParseNoise(string? text, out bool? noise, out string error)
    {
        error = string.Empty;
        noise = null;
        switch (text?.ToLowerInvariant())
        {
            case null or "" or "any":
                return true;
            case "true" or "yes":
                noise = true;
                return true;
            case "false" or "no":
                noise = false;
                return true;
            default:
                error = $"noise: '{text}' must be true, false or any.";
                return false;
        }
    }

    public static bool TryParseSince(string? text, out DateTimeOffset? since, out string error)
    {
        error = string.Empty;
        since = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            since = parsed;
            return true;
        }

        error = $"since: '{text}' is not an ISO 8601 time, e.g. 2026-12-04T14:00:00Z.";
        return false;
    }

    public static bool TryParseSeverity(string? text, out DiffSeverity? severity, out string error)
    {
        error = string.Empty;
        severity = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (DiffSeverities.TryParse(text, out var parsed))
        {
            severity = parsed;
            return true;
        }

        error = $"severity: '{text}' must be {DiffSeverities.Accepted} (the least severity shown).";
        return false;
    }

    public static bool TryParseGrouping(string? text, out SummaryGrouping grouping, out string error)
    {
        error = string.Empty;
        grouping = SummaryGrouping.Endpoint;
        switch (text?.ToLowerInvariant())
        {
            case null or "" or "endpoint":
                return true;
            case "path":
                grouping = SummaryGrouping.Path;
                return true;
            default:
                error = $"groupBy: '{text}' must be path or endpoint.";
                return false;
        }
    }

    /// <summary>Null when absent: the summary then sorts by severity, then count.</summary>
    public static bool TryParseSort(string? text, out SummarySort? sort, out string error)
    {
        error = string.Empty;
        sort = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (!int.TryParse(text, CultureInfo.InvariantCulture, out _) && Enum.TryParse<SummarySort>(text, ignoreCase: true, out var parsed))
        {
            sort = parsed;
            return true;
        }

        error = $"sort: '{text}' must be one of {string.Join(", ", Enum.GetNames<SummarySort>().Select(JsonNamingPolicy.CamelCase.ConvertName))}.";
        return false;
    }

    public static bool TryParseId(string text, out long id) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id > 0;

    public static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
