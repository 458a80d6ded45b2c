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
    private int _seen;

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

    /// <summary>Differences kept so far.</summary>
    public int Count => _differences.Count;

    /// <summary>Differences found so far, kept or not: an array walk compares it before and after an element.</summary>
    public int Seen => _seen;

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
        isNoise = IsNoise(path);
        _hasNonNoise |= !isNoise;
        _seen++;
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
        _seen++;
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

    /// <summary>Records a <see cref="DifferenceKind.Renamed"/> key: <paramref name="path"/> is legacy's, <paramref name="candidatePath"/> the candidate's.</summary>
    public void AddRenamed(ReadOnlySpan<char> path, ReadOnlySpan<char> candidatePath, string legacyName, string candidateName, bool isNoise) =>
        _differences.Add(new Difference(_paths.Intern(path), DifferenceKind.Renamed, legacyName, candidateName, isNoise)
        {
            CandidatePath = _paths.Intern(candidatePath),
        });

    /// <summary>
    /// Records an array-length difference at <paramref name="index"/>, where it would have been added had the
    /// lengths been known when the walk reached the array. The list keeps its first <see cref="MaxDifferences"/>.
    /// </summary>
    public void Insert(int index, ReadOnlySpan<char> path, DifferenceKind kind, int legacy, int candidate)
    {
        var isNoise = IsNoise(path);
        _hasNonNoise |= !isNoise;
        _seen++;
        if (index >= MaxDifferences)
        {
            _truncated = true;
            return;
        }

        _differences.Insert(index, new Difference(_paths.Intern(path), kind, legacy.ToString(provider: null), candidate.ToString(provider: null), isNoise));
        if (_differences.Count > MaxDifferences)
        {
            _differences.RemoveAt(_differences.Count - 1);
            _truncated = true;
        }
    }

    /// <summary>The state to return to with <see cref="Rollback"/>.</summary>
    public DiffMark Mark() => new(_differences.Count, _hasNonNoise, _truncated, Path.Length, _seen);

    /// <summary>Forgets what was reported since <paramref name="mark"/> (a walk that found invalid JSON halfway).</summary>
    public void Rollback(DiffMark mark)
    {
        _differences.RemoveRange(mark.Count, _differences.Count - mark.Count);
        _hasNonNoise = mark.HasNonNoise;
        _truncated = mark.Truncated;
        _seen = mark.Seen;
        Path.Truncate(mark.PathLength);
    }

    public ComparisonResult ToResult() => new()
    {
        Outcome = _hasNonNoise ? ComparisonOutcome.Diff : HasDifferences ? ComparisonOutcome.Noise : ComparisonOutcome.Match,
        Differences = _differences,
        // Once saturated the walk stops, so what it did not reach may hold more differences.
        DifferencesTruncated = _truncated || IsSaturated,
    };

    public void Dispose() => Path.Dispose();

    private bool IsNoise(ReadOnlySpan<char> path) => _ignore.Matches(path) || (_extraNoise?.Matches(path) ?? false);
}

internal readonly record struct DiffMark(int Count, bool HasNonNoise, bool Truncated, int PathLength, int Seen);
