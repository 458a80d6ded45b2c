namespace ShadowProxy.Core.Endpoints;

/// <summary>
/// One endpoint of the inventory (docs/admin-api.md#endpoint-inventory), fleet-wide: traffic, statuses, legacy latency,
/// sizes, content types, query parameters, when it was seen, and how far comparisons cover it.
/// </summary>
public sealed record InventoryEntry
{
    public required string Method { get; init; }

    /// <summary>The path template: <c>/api/catalog/products/{id}</c>.</summary>
    public required string Template { get; init; }

    public long Requests { get; init; }

    /// <summary>Of the migration's requests, this endpoint's (0..1).</summary>
    public double Share { get; init; }

    /// <summary>Requests by status class: <c>1xx</c> … <c>5xx</c>, and <c>error</c> (no response).</summary>
    public required IReadOnlyDictionary<string, long> StatusClasses { get; init; }

    /// <summary>The exact statuses seen (at most <see cref="EndpointInventory.MaxStatuses"/>), most frequent first.</summary>
    public required IReadOnlyList<StatusCount> Statuses { get; init; }

    /// <summary>Legacy's latency when it answered; null before it did.</summary>
    public double? P50Ms { get; init; }

    public double? P99Ms { get; init; }

    /// <summary>Response media types, most frequent first.</summary>
    public required IReadOnlyList<NameCount> ContentTypes { get; init; }

    /// <summary>Response bodies of declared length; null when none was.</summary>
    public BodySize? ResponseBytes { get; init; }

    /// <summary>Request bodies of declared length; null when none had one.</summary>
    public BodySize? RequestBytes { get; init; }

    /// <summary>Query parameter names, with the number of requests that had each, most frequent first.</summary>
    public required IReadOnlyList<NameCount> QueryParameters { get; init; }

    public DateTimeOffset? FirstSeen { get; init; }

    public DateTimeOffset? LastSeen { get; init; }

    /// <summary>Shadow pairs of this endpoint compared.</summary>
    public long Comparisons { get; init; }

    /// <summary>Of <see cref="Comparisons"/>, the share with a difference that was not noise; null without comparisons.</summary>
    public double? NonNoiseDiffRate { get; init; }

    /// <summary><c>unseen</c>, <c>differs</c> or <c>matching</c> (see <see cref="CoverageVerdicts"/>).</summary>
    public required string Verdict { get; init; }

    /// <summary>The endpoint's name elsewhere (diffs, report): method, a space, the template.</summary>
    public string Endpoint => Method + " " + Template;
}

public sealed record StatusCount(int Status, long Count);

public sealed record NameCount(string Name, long Count);

/// <summary>Body sizes in bytes: the mean and the largest.</summary>
public sealed record BodySize(long Mean, long Max);

/// <summary>
/// How far comparisons cover an endpoint: <c>unseen</c> without any; <c>matching</c> with at least
/// <c>Ramp:Gates:MinSamples</c> and no difference that is not noise within the last <c>Ramp:Gates:Window</c>;
/// <c>differs</c> otherwise (a recent difference, or too few comparisons to tell).
/// </summary>
public static class CoverageVerdicts
{
    public const string Unseen = "unseen";
    public const string Differs = "differs";
    public const string Matching = "matching";

    public static string Of(long comparisons, DateTimeOffset? lastDiff, int minSamples, TimeSpan window, DateTimeOffset now) =>
        comparisons == 0 ? Unseen
        : comparisons >= minSamples && (lastDiff is null || now - lastDiff.Value > window) ? Matching
        : Differs;
}
