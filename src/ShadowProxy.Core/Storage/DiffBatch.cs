using ShadowProxy.Core.Gates;

namespace ShadowProxy.Core.Storage;

/// <summary>
/// One migration's part of a write batch, folded the way every store writes it: one delta per endpoint, per
/// endpoint × path × kind and per candidate version × hour, never one write per comparison; and the records
/// whose sample may be kept, with the paths each would show. Keys are as recorded: a store maps them onto its
/// bounds (<see cref="StorageLimits"/>) itself, atomically with its writes. Enumeration follows the batch's
/// order (first occurrence first), so that every store admits new keys in the same order.
/// </summary>
public sealed class DiffBatch
{
    private readonly Dictionary<string, OutcomeCounts> _endpoints = new(StringComparer.Ordinal);
    private readonly Dictionary<DiffCounterKey, DiffCounterDelta> _counters = [];
    private readonly List<SampleCandidate> _samples = [];
    private readonly Dictionary<string, VersionDelta> _versions = new(StringComparer.Ordinal);
    private readonly Dictionary<VersionEndpointKey, long> _versionEndpoints = [];
    private readonly Dictionary<VersionPathKey, long> _versionPaths = [];
    private readonly Dictionary<DiffCounterKey, string> _renames = [];

    private DiffBatch(string migration, IReadOnlyList<ComparisonRecord> records)
    {
        Migration = migration;
        foreach (var record in records)
        {
            Fold(record);
        }
    }

    public string Migration { get; }

    /// <summary>Comparisons per endpoint by outcome.</summary>
    public IReadOnlyDictionary<string, OutcomeCounts> Endpoints => _endpoints;

    /// <summary>Differences per endpoint × path × kind.</summary>
    public IReadOnlyDictionary<DiffCounterKey, DiffCounterDelta> Counters => _counters;

    /// <summary>The records that carry a sample and at least one real (not noise) difference, in batch order.</summary>
    public IReadOnlyList<SampleCandidate> Samples => _samples;

    /// <summary>Comparisons per candidate version.</summary>
    public IReadOnlyDictionary<string, VersionDelta> Versions => _versions;

    /// <summary>Comparisons per version × hour × endpoint.</summary>
    public IReadOnlyDictionary<VersionEndpointKey, long> VersionEndpoints => _versionEndpoints;

    /// <summary>Differences per version × hour × endpoint × path × kind.</summary>
    public IReadOnlyDictionary<VersionPathKey, long> VersionPaths => _versionPaths;

    /// <summary>The candidate path of each renamed key by its counter (the batch's last one).</summary>
    public IReadOnlyDictionary<DiffCounterKey, string> Renames => _renames;

    /// <summary>The batch by migration, in order of first occurrence.</summary>
    public static IEnumerable<DiffBatch> ByMigration(IReadOnlyList<ComparisonRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        return records.GroupBy(r => r.Migration, StringComparer.Ordinal).Select(g => new DiffBatch(g.Key, g.ToList()));
    }

    /// <summary>The hour a time falls in, as per-version counts are kept.</summary>
    public static long HourOf(long utcTicks) => utcTicks / TimeSpan.TicksPerHour;

    private void Fold(ComparisonRecord record)
    {
        var ticks = record.Timestamp.UtcTicks;
        var hour = HourOf(ticks);
        var endpoint = record.Endpoint;
        _endpoints[endpoint] = _endpoints.GetValueOrDefault(endpoint).Add(record.Outcome);
        if (!_versions.TryGetValue(record.Version, out var version))
        {
            _versions[record.Version] = version = new VersionDelta();
        }

        version.Add(ticks, record.Outcome == ComparisonTally.Diff);
        var endpointKey = new VersionEndpointKey(record.Version, hour, endpoint);
        _versionEndpoints[endpointKey] = _versionEndpoints.GetValueOrDefault(endpointKey) + 1;

        List<(string Path, string Kind)>? shown = null;
        foreach (var difference in record.Differences)
        {
            var key = new DiffCounterKey(endpoint, difference.Path, difference.Kind);
            if (!_counters.TryGetValue(key, out var delta))
            {
                _counters[key] = delta = new DiffCounterDelta();
            }

            delta.Add(ticks, difference.IsNoise);
            var pathKey = new VersionPathKey(record.Version, hour, endpoint, difference.Path, difference.Kind);
            _versionPaths[pathKey] = _versionPaths.GetValueOrDefault(pathKey) + 1;
            if (difference.CandidatePath is { } candidatePath)
            {
                _renames[key] = candidatePath;
            }

            if (record.Sample is not null && !difference.IsNoise && !(shown ??= []).Contains((difference.Path, difference.Kind)))
            {
                shown.Add((difference.Path, difference.Kind));
            }
        }

        if (shown is not null)
        {
            _samples.Add(new SampleCandidate(record, shown));
        }
    }
}
