using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Noise;
using ShadowProxy.Core.Redaction;

namespace ShadowProxy.Migrations;

/// <summary>
/// One migration's comparison rules, compiled once: the diff engine, the redactor, and the noise rules in
/// force (configuration, marks made through the admin API, probe noise). Immutable; a change of marks builds
/// a new one, swapped in for the next comparison and the next read.
/// </summary>
internal sealed class MigrationComparer
{
    public MigrationComparer(MigrationOptions options, IReadOnlyCollection<(string Path, string? Endpoint)> noiseMarks, ProbeNoise? probe)
        : this(WithVersionHeaderIgnored(options), new Redactor(options.Redact), noiseMarks, probe)
    {
    }

    // The candidate's version header names its build; legacy has none: not a difference between the two.
    private static DiffOptions WithVersionHeaderIgnored(MigrationOptions options) =>
        options.Candidate?.VersionHeader is { } header ? options.Diff with { IgnoreHeaders = [.. options.Diff.IgnoreHeaders, header] } : options.Diff;

    private MigrationComparer(DiffOptions diff, Redactor redactor, IReadOnlyCollection<(string Path, string? Endpoint)> noiseMarks, ProbeNoise? probe)
        : this(diff, new DiffEngine(diff), redactor, noiseMarks, probe)
    {
    }

    private MigrationComparer(DiffOptions diff, DiffEngine engine, Redactor redactor, IReadOnlyCollection<(string Path, string? Endpoint)> noiseMarks, ProbeNoise? probe)
    {
        Diff = diff;
        Engine = engine;
        Redactor = redactor;
        Noise = new NoiseRules(engine, noiseMarks, probe);
    }

    /// <summary>The diff rules the engine was built from, as in force (the candidate's version header ignored): what a replay export carries.</summary>
    public DiffOptions Diff { get; }

    public DiffEngine Engine { get; }

    public Redactor Redactor { get; }

    /// <summary>The noise rules in force: what is shown and what the diff-rate gate counts are judged by these.</summary>
    public NoiseRules Noise { get; }

    public IReadOnlyCollection<(string Path, string? Endpoint)> NoiseMarks => Noise.Marks;

    public PathPatternSet? NoiseFor(string endpoint) => Noise.MarksFor(endpoint);

    /// <summary>The same engine and redactor with other noise marks.</summary>
    public MigrationComparer WithNoiseMarks(IReadOnlyCollection<(string Path, string? Endpoint)> noiseMarks) => new(Diff, Engine, Redactor, noiseMarks, Noise.Probe);

    /// <summary>Compares a pair and judges it by every noise rule in force (the engine knows configuration and marks; the probe's noise is added here).</summary>
    public ComparisonResult Compare(Core.Comparison.CapturedResponse legacy, Core.Comparison.CapturedResponse candidate, string endpoint) =>
        Noise.Apply(endpoint, Engine.Compare(legacy, candidate, NoiseFor(endpoint)));

    /// <summary>True when a difference at <paramref name="path"/> of <paramref name="endpoint"/> is noise now (for the gate window).</summary>
    public bool IsNoiseNow(string endpoint, string path) => Noise.SourceOf(endpoint, path) is not null;
}
