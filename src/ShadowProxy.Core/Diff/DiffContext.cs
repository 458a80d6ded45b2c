using ShadowProxy.Core.Text;

namespace ShadowProxy.Core.Diff;

/// <summary>
/// The state of one comparison: the differences kept so far (at most <see cref="MaxDifferences"/>), whether a
/// non-noise difference was seen, and the path builder for JSON walks. Not thread-safe: one per comparison.
/// </summary>
internal sealed class DiffContext : IDisposable
{
    private readonly PathPatternSet _ignore;
    private readonly PathPatternSet? _extraNoise;
    private readonly StringInterner _paths;
    private readonly List<Difference> _differences = [];
    private bool _hasNonNoise;
    private bool _truncated;

    /// <param name="paths">Where difference paths get their strings (the same paths come back on every pair).</param>
    public DiffContext(int maxDifferences, PathPatternSet ignore, PathPatternSet? extraNoise, StringInterner paths)
    {
        MaxDifferences = Math.Max(1, maxDifferences);
        _ignore = ignore;
        _extraNoise = extraNoise;
        _paths = paths;
    }

    public int MaxDifferences { get; }

    public PathBuilder Path { get; } = new();

    /// <summary>True when the list is full and the outcome is already Diff: walking further cannot change the result.</summary>
    public bool IsSaturated => _hasNonNoise && _differences.Count >= MaxDifferences;

    public bool HasDifferences => _differences.Count > 0 || _truncated;

    public void Report(DifferenceKind kind, string? legacy, string? candidate) => Report(Path.Span, kind, legacy, candidate);

    public void Report(ReadOnlySpan<char> path, DifferenceKind kind, string? legacy, string? candidate)
    {
        if (TryAdmit(path, out var isNoise))
        {
            Add(path, kind, legacy, candidate, isNoise);
        }
    }

    /// <summary>
    /// Decides whether a difference at <paramref name="path"/> is kept, so that callers render values only
    /// for kept differences. A difference past the cap is not kept but still counts for the outcome.
    /// </summary>
    public bool TryAdmit(ReadOnlySpan<char> path, out bool isNoise)
    {
        isNoise = _ignore.Matches(path) || (_extraNoise?.Matches(path) ?? false);
        _hasNonNoise |= !isNoise;
        if (_differences.Count < MaxDifferences)
        {
            return true;
        }

        _truncated = true;
        return false;
    }

    /// <summary>Records a difference that is noise by nature, whatever the patterns say.</summary>
    public void ReportNoise(string path, DifferenceKind kind, string? legacy, string? candidate)
    {
        if (_differences.Count < MaxDifferences)
        {
            _differences.Add(new Difference(path, kind, legacy, candidate, IsNoise: true));
        }
        else
        {
            _truncated = true;
        }
    }

    public void Add(ReadOnlySpan<char> path, DifferenceKind kind, string? legacy, string? candidate, bool isNoise) =>
        _differences.Add(new Difference(_paths.Intern(path), kind, legacy, candidate, isNoise));

    public ComparisonResult ToResult() => new()
    {
        Outcome = _hasNonNoise ? ComparisonOutcome.Diff : HasDifferences ? ComparisonOutcome.Noise : ComparisonOutcome.Match,
        Differences = _differences,
        DifferencesTruncated = _truncated,
    };

    public void Dispose() => Path.Dispose();
}
