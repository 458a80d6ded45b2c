using System.Collections.Frozen;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Redaction;

namespace ShadowProxy.Comparison;

/// <summary>
/// One migration's comparison rules, compiled once: the diff engine, the redactor, and the noise
/// marks made through the admin API (per endpoint, or for every endpoint). Immutable; a change of
/// marks builds a new one, swapped in for the next comparison.
/// </summary>
internal sealed class MigrationComparer
{
    private readonly FrozenDictionary<string, PathPatternSet> _noiseByEndpoint;
    private readonly PathPatternSet? _noiseEverywhere;

    public MigrationComparer(MigrationOptions options, IReadOnlyCollection<(string Path, string? Endpoint)> noiseMarks)
        : this(new DiffEngine(options.Diff), new Redactor(options.Redact), noiseMarks)
    {
    }

    private MigrationComparer(DiffEngine engine, Redactor redactor, IReadOnlyCollection<(string Path, string? Endpoint)> noiseMarks)
    {
        Engine = engine;
        Redactor = redactor;
        NoiseMarks = noiseMarks;
        var everywhere = noiseMarks.Where(m => m.Endpoint is null).Select(m => m.Path).ToList();
        _noiseEverywhere = everywhere.Count == 0 ? null : Compile(everywhere);
        _noiseByEndpoint = noiseMarks
            .Where(m => m.Endpoint is not null)
            .GroupBy(m => m.Endpoint!, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => Compile(everywhere.Concat(g.Select(m => m.Path))), StringComparer.Ordinal);
    }

    public DiffEngine Engine { get; }

    public Redactor Redactor { get; }

    public IReadOnlyCollection<(string Path, string? Endpoint)> NoiseMarks { get; }

    public PathPatternSet? NoiseFor(string endpoint) =>
        _noiseByEndpoint.TryGetValue(endpoint, out var patterns) ? patterns : _noiseEverywhere;

    /// <summary>The same engine and redactor with other noise marks.</summary>
    public MigrationComparer WithNoiseMarks(IReadOnlyCollection<(string Path, string? Endpoint)> noiseMarks) => new(Engine, Redactor, noiseMarks);

    // A mark that does not compile (marks are validated when made) must not stop the others.
    private static PathPatternSet Compile(IEnumerable<string> paths) =>
        PathPatternSet.Compile(paths.Where(p => PathPatternSet.TryCompile([p], out _, out _)));
}
