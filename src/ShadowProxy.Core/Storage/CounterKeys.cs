using System.Globalization;
using ShadowProxy.Core.Diff;

namespace ShadowProxy.Core.Storage;

/// <summary>
/// Names of the shared counters of one migration: the live totals, and per endpoint the side-by-side
/// report (requests, errors and latency histogram buckets per backend; comparisons, diffs, noise,
/// differing comparisons by severity).
/// Histogram buckets use the fixed layout of <see cref="Gates.LatencyHistogram"/>, so bucket counts of
/// every instance add up; only non-empty buckets are stored.
/// </summary>
public static class CounterKeys
{
    public const string LegacyRequests = "legacy";
    public const string CandidateRequests = "candidate";
    public const string Match = "match";
    public const string Diff = "diff";
    public const string Noise = "noise";
    public const string Failovers = "failovers";

    /// <summary>The live totals, in the order of the host's <c>CounterTotals</c>.</summary>
    public static IReadOnlyList<string> TotalKeys { get; } = [LegacyRequests, CandidateRequests, Match, Diff, Noise, Failovers];

    private const char Separator = '\t';
    private const string EndpointPrefix = "e\t";
    private const string InventoryPrefix = "i\t";

    /// <summary>Per-endpoint fields: requests and errors of each backend, comparisons, diffs, noise.</summary>
    public static class Fields
    {
        public const string LegacyRequests = "lreq";
        public const string LegacyErrors = "lerr";
        public const string CandidateRequests = "creq";
        public const string CandidateErrors = "cerr";
        public const string Comparisons = "cmp";
        public const string Diffs = "diff";
        public const string Noise = "noise";

        /// <summary>Differing comparisons by their most severe difference: breaking, risky, cosmetic.</summary>
        public static string Severity(DiffSeverity severity) => severity switch
        {
            DiffSeverity.Breaking => "sev-b",
            DiffSeverity.Risky => "sev-r",
            _ => "sev-c",
        };

        /// <summary>Latency bucket <paramref name="index"/> of legacy (<c>lh12</c>) or the candidate (<c>ch12</c>).</summary>
        public static string Latency(bool legacy, int index) => (legacy ? "lh" : "ch") + index.ToString(CultureInfo.InvariantCulture);
    }

    public static string Endpoint(string endpoint, string field) => EndpointPrefix + endpoint + Separator + field;

    /// <summary>A counter of the endpoint inventory (<c>Endpoints.InventoryFields</c> names the fields).</summary>
    public static string Inventory(string endpoint, string field) => InventoryPrefix + endpoint + Separator + field;

    /// <summary>Splits an endpoint counter name into its endpoint and field; false for totals and foreign names.</summary>
    public static bool TryParseEndpoint(string key, out string endpoint, out string field) => TryParse(key, EndpointPrefix, out endpoint, out field);

    /// <summary>Splits an inventory counter name into its endpoint and field; false for other counters.</summary>
    public static bool TryParseInventory(string key, out string endpoint, out string field) => TryParse(key, InventoryPrefix, out endpoint, out field);

    private static bool TryParse(string key, string prefix, out string endpoint, out string field)
    {
        endpoint = field = string.Empty;
        if (!key.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var last = key.LastIndexOf(Separator);
        if (last < prefix.Length)
        {
            return false;
        }

        endpoint = key[prefix.Length..last];
        field = key[(last + 1)..];
        return endpoint.Length > 0 && field.Length > 0;
    }

    /// <summary>A latency field's backend and bucket index; false for other fields.</summary>
    public static bool TryParseLatency(string field, out bool legacy, out int index)
    {
        legacy = field.StartsWith("lh", StringComparison.Ordinal);
        index = -1;
        return (legacy || field.StartsWith("ch", StringComparison.Ordinal))
            && int.TryParse(field.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }

    /// <summary>
    /// What to add to the store to go from <paramref name="flushed"/> (what was added so far) to
    /// <paramref name="current"/> (this process's cumulative counters): the positive differences.
    /// </summary>
    public static List<KeyValuePair<string, long>> Deltas(IReadOnlyDictionary<string, long> current, IReadOnlyDictionary<string, long> flushed)
    {
        var deltas = new List<KeyValuePair<string, long>>();
        foreach (var (key, value) in current)
        {
            var delta = value - flushed.GetValueOrDefault(key);
            if (delta > 0)
            {
                deltas.Add(new(key, delta));
            }
        }

        return deltas;
    }
}
