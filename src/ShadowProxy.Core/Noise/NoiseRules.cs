using ShadowProxy.Core.Diff;

namespace ShadowProxy.Core.Noise;

/// <summary>
/// The noise rules in force for one migration (docs/comparison.md#noise): configuration (ignored paths and headers), noise marks
/// (everywhere or per endpoint) and probe noise. Everything shown (summary rows, samples) and the diff-rate gate
/// are judged by these at the time they are read, so a mark or an unmark applies to what was recorded before it.
/// Immutable apart from the probe's table, which is read through its own snapshot; safe from many threads.
/// </summary>
public sealed class NoiseRules
{
    private readonly DiffEngine _engine;
    private readonly EndpointNoise _marks;

    public NoiseRules(DiffEngine engine, IReadOnlyCollection<(string Path, string? Endpoint)> marks, ProbeNoise? probe)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(marks);
        _engine = engine;
        Marks = marks;
        Probe = probe;
        _marks = new EndpointNoise(marks);
    }

    public IReadOnlyCollection<(string Path, string? Endpoint)> Marks { get; }

    public ProbeNoise? Probe { get; }

    /// <summary>The marks that apply at <paramref name="endpoint"/> (for the diff engine), or null.</summary>
    public PathPatternSet? MarksFor(string endpoint) => _marks.For(endpoint);

    /// <summary>Why a difference at <paramref name="path"/> of <paramref name="endpoint"/> is noise now, or null when it is a real one.</summary>
    public NoiseSource? SourceOf(string endpoint, string path)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(path);
        if (_engine.IsConfiguredNoise(path))
        {
            return NoiseSource.Config;
        }

        if (MarksFor(endpoint)?.Matches(path) == true)
        {
            return NoiseSource.Mark;
        }

        return Probe?.IsNoise(endpoint, path) == true ? NoiseSource.Probe : null;
    }

    /// <summary>
    /// <see cref="SourceOf(string, string)"/>, and for a stored difference that was noise when recorded: noise by nature (a body
    /// cut at the same place on both sides), which no rule made and no unmark undoes.
    /// </summary>
    public NoiseSource? SourceOf(string endpoint, string path, string kind, bool wasNoise) =>
        SourceOf(endpoint, path) ?? (wasNoise && IsNoiseByNature(path, kind) ? NoiseSource.Config : null);

    /// <summary>
    /// <paramref name="result"/> judged by the rules in force: each difference's noise flag and source, and the
    /// outcome. A list cut at <c>MaxDifferences</c> that was a Diff stays one (what was cut is unknown).
    /// </summary>
    public ComparisonResult Apply(string endpoint, ComparisonResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var differences = result.Differences;
        Difference[]? judged = null;
        var anyReal = false;
        for (var i = 0; i < differences.Count; i++)
        {
            var difference = differences[i];
            var source = SourceOf(endpoint, difference.Path)
                ?? (difference.IsNoise && IsNoiseByNature(difference.Path, difference.Kind) ? NoiseSource.Config : null);
            anyReal |= source is null;
            if (source != difference.NoiseSource || (source is not null) != difference.IsNoise)
            {
                judged ??= [.. differences];
                judged[i] = difference with { IsNoise = source is not null, NoiseSource = source };
            }
        }

        var outcome = anyReal || (result.DifferencesTruncated && result.Outcome == ComparisonOutcome.Diff) ? ComparisonOutcome.Diff
            : differences.Count > 0 || result.DifferencesTruncated ? ComparisonOutcome.Noise
            : ComparisonOutcome.Match;
        return judged is null && outcome == result.Outcome ? result : result with { Differences = judged ?? differences, Outcome = outcome };
    }

    private static bool IsNoiseByNature(string path, DifferenceKind kind) => kind == DifferenceKind.Body && path == DiffEngine.BodyPath;

    private static bool IsNoiseByNature(string path, string kind) => kind == nameof(DifferenceKind.Body) && path == DiffEngine.BodyPath;
}
