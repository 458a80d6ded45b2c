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
    private readonly EndpointNoise _noise;

    public MigrationComparer(MigrationOptions options, IReadOnlyCollection<(string Path, string? Endpoint)> noiseMarks)
        : this(new DiffEngine(options.Diff), new Redactor(options.Redact), noiseMarks)
    {
    }

    private MigrationComparer(DiffEngine engine, Redactor redactor, IReadOnlyCollection<(string Path, string? Endpoint)> noiseMarks)
    {
        Engine = engine;
        Redactor = redactor;
        NoiseMarks = noiseMarks;
        _noise = new EndpointNoise(noiseMarks);
    }

    public DiffEngine Engine { get; }

    public Redactor Redactor { get; }

    public IReadOnlyCollection<(string Path, string? Endpoint)> NoiseMarks { get; }

    public PathPatternSet? NoiseFor(string endpoint) => _noise.For(endpoint);

    /// <summary>The same engine and redactor with other noise marks.</summary>
    public MigrationComparer WithNoiseMarks(IReadOnlyCollection<(string Path, string? Endpoint)> noiseMarks) => new(Engine, Redactor, noiseMarks);
}
