using ShadowProxy.Core.Storage;

namespace ShadowProxy.Core.Versions;

/// <summary>
/// <c>lastVersion</c> and <c>fixed</c> of summary rows (docs/comparison.md#candidate-versions). The newest version is the one first seen last.
/// A row is fixed when its path differed in an earlier version but not once in the newest, and the newest has
/// at least <c>minPairs</c> comparisons at the row's endpoint (so that a quiet endpoint does not look fixed).
/// </summary>
public sealed class VersionVerdicts
{
    private readonly string? _newest;
    private readonly Dictionary<(string Endpoint, string Path, string Kind), (string Version, DateTimeOffset FirstSeen, bool InNewest)> _last = [];
    private readonly Dictionary<string, long> _newestComparisons = new(StringComparer.Ordinal);
    private readonly int _minPairs;

    public VersionVerdicts(VersionCounts counts, int minPairs)
    {
        ArgumentNullException.ThrowIfNull(counts);
        _minPairs = Math.Max(1, minPairs);
        var firstSeen = counts.Versions.ToDictionary(v => v.Version, v => v.FirstSeen, StringComparer.Ordinal);
        _newest = counts.Versions.OrderByDescending(v => v.FirstSeen).ThenByDescending(v => v.Version, StringComparer.Ordinal).FirstOrDefault()?.Version;
        foreach (var endpoint in counts.Endpoints)
        {
            if (endpoint.Version == _newest)
            {
                _newestComparisons[endpoint.Endpoint] = _newestComparisons.GetValueOrDefault(endpoint.Endpoint) + endpoint.Comparisons;
            }
        }

        foreach (var path in counts.Paths.Where(p => p.Count > 0))
        {
            var key = (path.Endpoint, path.Path, path.Kind);
            var seen = firstSeen.GetValueOrDefault(path.Version);
            var inNewest = path.Version == _newest;
            if (!_last.TryGetValue(key, out var last))
            {
                _last[key] = (path.Version, seen, inNewest);
            }
            else
            {
                _last[key] = seen > last.FirstSeen ? (path.Version, seen, last.InNewest || inNewest) : last with { InNewest = last.InNewest || inNewest };
            }
        }
    }

    /// <summary>The newest version, or null when no comparison was tagged yet.</summary>
    public string? Newest => _newest;

    public DiffSummaryRow Apply(DiffSummaryRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (!_last.TryGetValue((row.Endpoint, row.Path, row.Kind), out var last))
        {
            return row;
        }

        var isFixed = !last.InNewest && _newest is not null && _newestComparisons.GetValueOrDefault(row.Endpoint) >= _minPairs;
        return row with { LastVersion = last.Version, Fixed = isFixed, FixedIn = isFixed ? _newest : null };
    }
}
