namespace ShadowProxy.Core.Storage;

/// <summary>
/// Comparison results: counters per endpoint and per endpoint × path × kind, and a bounded set of
/// samples (docs/comparison.md#what-is-stored). Writes come in batches from one background writer.
/// </summary>
public interface IDiffStore
{
    /// <summary>Counts every record and keeps the samples that still have room; one transaction.</summary>
    Task<DiffWriteResult> WriteAsync(IReadOnlyList<ComparisonRecord> batch, CancellationToken cancellationToken = default);

    Task<DiffSummaryPage> ReadSummaryAsync(string migration, SummaryQuery query, CancellationToken cancellationToken = default);

    /// <summary>Sample headers, newest first.</summary>
    Task<IReadOnlyList<SampleHeader>> ReadSamplesAsync(string migration, SampleQuery query, CancellationToken cancellationToken = default);

    /// <summary>One sample in full, or null when there is none with that id in that migration.</summary>
    Task<SampleDetail?> ReadSampleAsync(string migration, long id, CancellationToken cancellationToken = default);

    Task<ComparisonCounts> ReadCountsAsync(string migration, CancellationToken cancellationToken = default);

    /// <summary>How many samples each migration × endpoint × path holds (to seed the recorder's view).</summary>
    Task<IReadOnlyList<SampleCoverage>> ReadSampleCoverageAsync(CancellationToken cancellationToken = default);
}

/// <summary>What one <see cref="IDiffStore.WriteAsync"/> did with the samples it was given.</summary>
/// <param name="SamplesStored">Samples kept.</param>
/// <param name="SamplesEvicted">Older samples deleted to stay within the per-migration bound.</param>
public sealed record DiffWriteResult(int SamplesStored, int SamplesEvicted);

public sealed record SampleCoverage(string Migration, string Endpoint, string Path, int Samples);

/// <summary>Sort orders of the diff summary; numbers and times sort descending, names ascending.</summary>
public enum SummarySort
{
    Count,
    Rate,
    LastSeen,
    FirstSeen,
    Endpoint,
    Path,

    /// <summary>Real differences before noise, then most severe first, then by count (docs/comparison.md#severity); the API's default.</summary>
    Severity,
}

/// <summary>Filters and page of <see cref="IDiffStore.ReadSummaryAsync"/>.</summary>
public sealed record SummaryQuery
{
    public const int MaxLimit = 1000;

    /// <summary>Exact endpoint, e.g. "GET /api/orders/{id}".</summary>
    public string? Endpoint { get; init; }

    /// <summary>Case-sensitive substring of the difference path.</summary>
    public string? PathContains { get; init; }

    /// <summary>True: only rows that are noise; false: only real differences; null: both.</summary>
    public bool? Noise { get; init; }

    /// <summary>
    /// The noise rules in force: rows are flagged (and <see cref="Noise"/> filters) by these, whatever was in force
    /// when the counts were recorded. Null: by the flag of each row's latest occurrence.
    /// </summary>
    public Noise.NoiseRules? Rules { get; init; }

    /// <summary>Count only comparisons of this candidate version (docs/comparison.md#candidate-versions).</summary>
    public string? Version { get; init; }

    /// <summary>Count only comparisons from the start of the hour holding this time (counts per version are kept per hour).</summary>
    public DateTimeOffset? Since { get; init; }

    public SummarySort Sort { get; init; } = SummarySort.Count;

    public int Offset { get; init; }

    public int Limit { get; init; } = 100;
}

/// <summary>One endpoint × path × kind of the summary.</summary>
/// <param name="Count">Times this path differed, noise included.</param>
/// <param name="NoiseCount">Of <paramref name="Count"/>, the times it was noise.</param>
/// <param name="Rate">Count ÷ comparisons at the endpoint.</param>
/// <param name="IsNoise">Whether the path is noise under the rules in force (<see cref="SummaryQuery.Rules"/>).</param>
/// <param name="SampleIds">Example samples showing this path, oldest first.</param>
public sealed record DiffSummaryRow(
    string Endpoint,
    string Path,
    string Kind,
    long Count,
    long NoiseCount,
    double Rate,
    bool IsNoise,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    IReadOnlyList<long> SampleIds)
{
    /// <summary><c>breaking</c>, <c>risky</c> or <c>cosmetic</c> by the rules in force (docs/comparison.md#severity); set by the API, not stored.</summary>
    public string? Severity { get; init; }
    /// <summary><c>config</c>, <c>mark</c>, <c>probe</c>, or null when the path is a real difference.</summary>
    public string? NoiseSource { get; init; }

    /// <summary>For a <c>Renamed</c> row: the key's path in the candidate's response.</summary>
    public string? CandidatePath { get; init; }

    /// <summary>The newest candidate version in which this path differed (docs/comparison.md#candidate-versions).</summary>
    public string? LastVersion { get; init; }

    /// <summary>True when the path differed in an earlier version and not in enough comparisons of the newest.</summary>
    public bool Fixed { get; init; }

    /// <summary>The version it was fixed in, when <see cref="Fixed"/>.</summary>
    public string? FixedIn { get; init; }
}

/// <param name="Total">Rows matching the filters, over all pages.</param>
public sealed record DiffSummaryPage(long Total, int Offset, int Limit, IReadOnlyList<DiffSummaryRow> Rows);

/// <summary>Filters and page of <see cref="IDiffStore.ReadSamplesAsync"/>.</summary>
/// <param name="Endpoint">Exact endpoint.</param>
/// <param name="Path">Exact difference path the sample is an example of.</param>
/// <param name="Before">Paging cursor: only samples with an id below it.</param>
public sealed record SampleQuery(string? Endpoint = null, string? Path = null, int Limit = 50, long? Before = null)
{
    public const int MaxLimit = 1000;
}

public sealed record SampleHeader(
    long Id,
    DateTimeOffset Time,
    string Endpoint,
    string Method,
    string PathAndQuery,
    int LegacyStatus,
    int CandidateStatus,
    int DifferenceCount);

/// <param name="DifferencesTruncated">True when <paramref name="Differences"/> may not list every difference: the comparison kept only its first <c>Diff:MaxDifferences</c>, or the record had more than a sample keeps.</param>
public sealed record SampleDetail(
    long Id,
    DateTimeOffset Time,
    string Endpoint,
    StoredSample Sample,
    IReadOnlyList<StoredDifference> Differences,
    bool DifferencesTruncated);

public sealed record EndpointCounts(string Endpoint, long Match, long Diff, long Noise)
{
    public long Total => Match + Diff + Noise;
}

/// <summary>Comparison totals of a migration and of each of its endpoints.</summary>
public sealed record ComparisonCounts(long Match, long Diff, long Noise, IReadOnlyList<EndpointCounts> Endpoints)
{
    public long Total => Match + Diff + Noise;
}
