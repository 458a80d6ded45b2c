using System.Collections.Frozen;

namespace ShadowProxy.Core.Diff;

/// <summary>
/// Noise paths beyond the configuration's (marks, learned noise), each at one endpoint or at every endpoint,
/// compiled once into the pattern set the diff engine takes per endpoint. Immutable and thread-safe.
/// </summary>
public sealed class EndpointNoise
{
    private readonly FrozenDictionary<string, PathPatternSet> _byEndpoint;
    private readonly PathPatternSet? _everywhere;

    /// <param name="paths">Paths with their endpoint, null for every endpoint.</param>
    public EndpointNoise(IEnumerable<(string Path, string? Endpoint)> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var all = paths.ToList();
        var everywhere = all.Where(m => m.Endpoint is null).Select(m => m.Path).ToList();
        _everywhere = everywhere.Count == 0 ? null : Compile(everywhere);

        // An endpoint's set holds its own paths and those of every endpoint.
        _byEndpoint = all
            .Where(m => m.Endpoint is not null)
            .GroupBy(m => m.Endpoint!, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => Compile(everywhere.Concat(g.Select(m => m.Path))), StringComparer.Ordinal);
    }

    /// <summary>The noise at <paramref name="endpoint"/>, or null when there is none.</summary>
    public PathPatternSet? For(string endpoint) =>
        _byEndpoint.TryGetValue(endpoint, out var patterns) ? patterns : _everywhere;

    // A path that does not compile (marks are validated when made; a file may be edited by hand) must not stop the others.
    private static PathPatternSet Compile(IEnumerable<string> paths) =>
        PathPatternSet.Compile(paths.Where(p => PathPatternSet.TryCompile([p], out _, out _)));
}
