using System.Collections.Frozen;
using System.Text;

namespace ShadowProxy.Core.Noise;

/// <summary>
/// What the noise probe learned (docs/comparison.md#the-noise-probe): per endpoint, the differing paths of its last probe pairs (legacy
/// against legacy), and the paths that differ in at least <c>Threshold</c> of them once there are
/// <c>MinPairs</c>. A path where legacy agrees with itself never becomes probe noise. Array indexes are folded
/// (<c>$.items[3].updatedAt</c> is learned as <c>$.items[*].updatedAt</c>), so a field that changes in every
/// element is learned once, whatever the array's length. Bounded: <see cref="MaxEndpoints"/> endpoints,
/// <see cref="MaxPathsPerPair"/> paths per pair, the last <see cref="PairsKept"/> pairs per endpoint.
/// Recording takes a lock per endpoint (probe pairs are a small sample, compared off the client's path);
/// <see cref="IsNoise"/> reads an immutable snapshot and takes none.
/// </summary>
public sealed class ProbeNoise
{
    public const int MaxEndpoints = 1000;
    public const int MaxPathsPerPair = 64;

    private readonly object _endpointsLock = new();
    private readonly Dictionary<string, EndpointPairs> _endpoints = new(StringComparer.Ordinal);
    private volatile FrozenDictionary<string, FrozenSet<string>> _noise = FrozenDictionary<string, FrozenSet<string>>.Empty;
    private long _changes;

    public ProbeNoise(int minPairs, double threshold)
    {
        MinPairs = Math.Max(1, minPairs);
        Threshold = Math.Clamp(threshold, 0, 1);

        // "The last probe pairs": at least 50, so that one unlucky stretch does not flip a path in and out.
        PairsKept = Math.Max(MinPairs, 50);
    }

    public int MinPairs { get; }

    public double Threshold { get; }

    public int PairsKept { get; }

    /// <summary>Grows each time the learned noise changes (so that it is saved only then).</summary>
    public long Changes => Interlocked.Read(ref _changes);

    /// <summary>Probe noise per endpoint: folded paths.</summary>
    public IReadOnlyDictionary<string, FrozenSet<string>> Learned => _noise;

    /// <summary>True when <paramref name="path"/> (folded) is probe noise at <paramref name="endpoint"/>.</summary>
    public bool IsNoise(string endpoint, string path)
    {
        var noise = _noise;
        return noise.Count > 0 && noise.TryGetValue(endpoint, out var paths) && paths.Contains(Fold(path));
    }

    /// <summary>Records one probe pair: the paths at which two legacy answers to the same request differed (none when they agreed).</summary>
    public void RecordPair(string endpoint, IEnumerable<string> differingPaths)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(differingPaths);
        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in differingPaths)
        {
            if (paths.Count >= MaxPathsPerPair)
            {
                break;
            }

            paths.Add(Fold(path));
        }

        EndpointPairs? pairs;
        lock (_endpointsLock)
        {
            if (!_endpoints.TryGetValue(endpoint, out pairs))
            {
                if (_endpoints.Count >= MaxEndpoints)
                {
                    return;
                }

                _endpoints[endpoint] = pairs = new EndpointPairs(PairsKept);
            }
        }

        FrozenSet<string>? changed;
        lock (pairs)
        {
            changed = pairs.Add([.. paths], MinPairs, Threshold);
        }

        if (changed is not null)
        {
            Publish(endpoint, changed);
        }
    }

    /// <summary>
    /// Probe noise saved before a restart, in force until the endpoint has <see cref="MinPairs"/> fresh pairs
    /// (then what is learned anew replaces it).
    /// </summary>
    public void Restore(IReadOnlyDictionary<string, IReadOnlyList<string>> learned)
    {
        ArgumentNullException.ThrowIfNull(learned);
        foreach (var (endpoint, paths) in learned.Take(MaxEndpoints))
        {
            Publish(endpoint, paths.Select(Fold).ToFrozenSet(StringComparer.Ordinal), countChange: false);
        }
    }

    /// <summary><paramref name="path"/> with array indexes replaced by <c>[*]</c>.</summary>
    public static string Fold(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var open = path.IndexOf('[', StringComparison.Ordinal);
        if (open < 0)
        {
            return path;
        }

        var folded = new StringBuilder(path.Length);
        var i = 0;
        while (i < path.Length)
        {
            if (path[i] == '[')
            {
                var end = i + 1;
                while (end < path.Length && char.IsAsciiDigit(path[end]))
                {
                    end++;
                }

                if (end > i + 1 && end < path.Length && path[end] == ']')
                {
                    folded.Append("[*]");
                    i = end + 1;
                    continue;
                }
            }

            folded.Append(path[i]);
            i++;
        }

        return folded.ToString();
    }

    private void Publish(string endpoint, FrozenSet<string> paths, bool countChange = true)
    {
        lock (_endpointsLock)
        {
            var next = new Dictionary<string, FrozenSet<string>>(_noise, StringComparer.Ordinal);
            if (paths.Count == 0)
            {
                next.Remove(endpoint);
            }
            else
            {
                next[endpoint] = paths;
            }

            _noise = next.ToFrozenDictionary(StringComparer.Ordinal);
        }

        if (countChange)
        {
            Interlocked.Increment(ref _changes);
        }
    }

    /// <summary>The last pairs of one endpoint, as a ring, with how many of them each path differed in.</summary>
    private sealed class EndpointPairs(int capacity)
    {
        private readonly string[][] _ring = new string[capacity][];
        private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
        private int _next;
        private int _count;
        private FrozenSet<string>? _published;

        /// <summary>Adds a pair; returns the new noise set when it differs from the one published, else null.</summary>
        public FrozenSet<string>? Add(string[] paths, int minPairs, double threshold)
        {
            if (_count == _ring.Length)
            {
                foreach (var old in _ring[_next])
                {
                    if (--_counts[old] == 0)
                    {
                        _counts.Remove(old);
                    }
                }
            }
            else
            {
                _count++;
            }

            _ring[_next] = paths;
            _next = (_next + 1) % _ring.Length;
            foreach (var path in paths)
            {
                _counts[path] = _counts.GetValueOrDefault(path) + 1;
            }

            if (_count < minPairs)
            {
                return null;
            }

            var needed = Math.Max(1, threshold * _count);
            var noise = _counts.Where(c => c.Value >= needed).Select(c => c.Key).ToFrozenSet(StringComparer.Ordinal);
            if (_published is not null && _published.SetEquals(noise))
            {
                return null;
            }

            _published = noise;
            return noise;
        }
    }
}
