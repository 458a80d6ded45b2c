using System.Collections.Concurrent;

namespace ShadowProxy.Core.Storage;

/// <summary>
/// How many samples each migration × endpoint × path holds, as the diff recorder sees it, so that the data
/// path copies and redacts a sample only when the store may keep it. A sample counts when its record is
/// queued (before the store has it); the view is reseeded from the store now and then, since evictions let
/// paths take samples again. Bounded like the store's counters: past <see cref="StorageLimits.MaxCoverageKeys"/>
/// keys, paths not yet seen count under <see cref="StorageLimits.Overflow"/>. Safe for concurrent use.
/// </summary>
public sealed class SampleCoverageView
{
    private readonly StorageLimits _limits;
    private readonly int _maxKeys;
    private volatile ConcurrentDictionary<Key, int> _coverage = new();

    // ConcurrentDictionary.Count takes every lock: keep an approximate count for the bound instead.
    private int _keys;

    /// <param name="migrations">How many migrations share the view.</param>
    public SampleCoverageView(StorageLimits limits, int migrations)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _limits = limits;
        _maxKeys = limits.MaxCoverageKeys(migrations);
    }

    /// <summary>Counts the sample of <paramref name="record"/>, if it carries one, towards each of its real differences' paths.</summary>
    public void Count(ComparisonRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Sample is null)
        {
            return;
        }

        var coverage = _coverage;
        foreach (var difference in record.Differences)
        {
            if (difference.IsNoise)
            {
                continue;
            }

            var key = KeyOf(coverage, record.Migration, record.Endpoint, difference.Path);
            if (coverage.TryAdd(key, 1))
            {
                Interlocked.Increment(ref _keys);
            }
            else
            {
                coverage.AddOrUpdate(key, 1, static (_, count) => count + 1);
            }
        }
    }

    /// <summary>True while <paramref name="path"/> (a real difference's path) lacks samples.</summary>
    public bool WantsSample(string migration, string endpoint, string path)
    {
        var coverage = _coverage;
        return _limits.WantsSample(coverage.GetValueOrDefault(KeyOf(coverage, migration, endpoint, path)));
    }

    /// <summary>Replaces the view with what the store holds (the first keys only, up to the bound).</summary>
    public void Reset(IEnumerable<SampleCoverage> stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var fresh = new ConcurrentDictionary<Key, int>();
        foreach (var row in stored.Take(_maxKeys))
        {
            fresh[new Key(row.Migration, row.Endpoint, row.Path)] = row.Samples;
        }

        _coverage = fresh;
        Volatile.Write(ref _keys, fresh.Count);
    }

    private Key KeyOf(ConcurrentDictionary<Key, int> coverage, string migration, string endpoint, string path)
    {
        var key = new Key(migration, endpoint, path);
        return Volatile.Read(ref _keys) < _maxKeys || coverage.ContainsKey(key) ? key : key with { Path = StorageLimits.Overflow };
    }

    private readonly record struct Key(string Migration, string Endpoint, string Path);
}
