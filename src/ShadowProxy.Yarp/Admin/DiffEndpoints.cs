using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Noise;
using ShadowProxy.Core.Storage;
using ShadowProxy.Core.Triage;
using ShadowProxy.Core.Versions;
using ShadowProxy.Migrations;
using static ShadowProxy.Admin.DiffQueryParameters;

namespace ShadowProxy.Admin;

/// <summary>
/// The diff endpoints of docs/admin-api.md#differences, relative to the <c>/api/v1</c> group: the summary, the samples and one sample,
/// all for Viewer. Noise marks are <see cref="NoiseEndpoints"/>.
/// </summary>
internal static class DiffEndpoints
{
    // Summary rows read for one triage answer, beyond the store's own bound per migration.
    private const int MaxTriageRows = 100_000;

    public static RouteGroupBuilder MapDiffEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("migrations/{name}/diffs/summary", GetSummaryAsync);
        api.MapGet("migrations/{name}/diffs", GetSamplesAsync);
        api.MapGet("migrations/{name}/diffs/{id}", GetSampleAsync);
        return api;
    }

    private static async Task<IResult> GetSummaryAsync(string name, HttpRequest request, MigrationRegistry registry, IDiffStore store, ISignalStore signal, CancellationToken cancellationToken)
    {
        if (!registry.TryGet(name, out var migration))
        {
            return AdminProblems.UnknownMigration(name);
        }

        var query = request.Query;
        if (!TryParseInt(query["offset"], "offset", 0, 0, int.MaxValue, out var offset, out var error)
            || !TryParseInt(query["limit"], "limit", 100, 1, SummaryQuery.MaxLimit, out var limit, out error)
            || !TryParseNoise(query["noise"], out var noise, out error)
            || !TryParseSort(query["sort"], out var sort, out error)
            || !TryParseSince(query["since"], out var since, out error)
            || !TryParseSeverity(query["severity"], out var severity, out error)
            || !TryParseGrouping(query["groupBy"], out var grouping, out error))
        {
            return AdminProblems.BadRequest(error);
        }

        var version = NullIfEmpty(query["version"]);
        if (version is not null && CandidateVersion.Normalize(version) is null)
        {
            return AdminProblems.BadRequest($"version: '{version}' is not a version name (printable ASCII, at most {CandidateVersion.MaxLength} characters).");
        }

        var filter = new SummaryQuery
        {
            Endpoint = NullIfEmpty(query["endpoint"]),
            PathContains = NullIfEmpty(query["path"]),
            Noise = noise,
            Rules = migration.Comparer.Noise,
            Version = version,
            Since = since,
        };
        var triage = new TriageQuery { MinSeverity = severity, Sort = sort ?? SummarySort.Severity, GroupBy = grouping, Offset = offset, Limit = limit };
        var rows = await ReadAllSummaryRowsAsync(store, migration.Name, filter, cancellationToken).ConfigureAwait(false);
        if (rows.Count > 0)
        {
            // lastVersion and fixed per row (docs/comparison.md#candidate-versions), from the counts per version.
            var verdicts = new VersionVerdicts(await signal.ReadVersionCountsAsync(migration.Name, cancellationToken).ConfigureAwait(false), migration.Current.Options.Diff.NoiseProbe.MinPairs);
            rows = [.. rows.Select(verdicts.Apply)];
        }

        var rules = migration.Comparer.Engine.Severity;
        return grouping == SummaryGrouping.Path
            ? Results.Ok(DiffTriage.Groups(rows, rules, triage))
            : Results.Ok(DiffTriage.Rows(rows, rules, triage));
    }

    /// <summary>
    /// Every summary row matching <paramref name="filter"/>: severity and grouping are decided by the rules in
    /// force, so they are applied here rather than in the store. The store bounds the rows of a migration
    /// (<c>Store:MaxPathsPerMigration</c>); <see cref="MaxTriageRows"/> is a second bound. Pages go by endpoint and
    /// path, which do not move while counts grow.
    /// </summary>
    private static async Task<List<DiffSummaryRow>> ReadAllSummaryRowsAsync(IDiffStore store, string migration, SummaryQuery filter, CancellationToken cancellationToken)
    {
        var rows = new List<DiffSummaryRow>();
        while (rows.Count < MaxTriageRows)
        {
            var page = await store.ReadSummaryAsync(migration, filter with { Sort = SummarySort.Endpoint, Offset = rows.Count, Limit = SummaryQuery.MaxLimit }, cancellationToken).ConfigureAwait(false);
            rows.AddRange(page.Rows);
            if (page.Rows.Count < SummaryQuery.MaxLimit || rows.Count >= page.Total)
            {
                break;
            }
        }

        return rows;
    }

    private static async Task<IResult> GetSamplesAsync(string name, HttpRequest request, MigrationRegistry registry, IDiffStore store, CancellationToken cancellationToken)
    {
        if (!registry.TryGet(name, out var migration))
        {
            return AdminProblems.UnknownMigration(name);
        }

        var query = request.Query;
        if (!TryParseInt(query["limit"], "limit", 50, 1, SampleQuery.MaxLimit, out var limit, out var error))
        {
            return AdminProblems.BadRequest(error);
        }

        long? before = null;
        if (NullIfEmpty(query["before"]) is { } beforeText)
        {
            if (!TryParseId(beforeText, out var cursor))
            {
                return AdminProblems.BadRequest($"before: '{beforeText}' is not a sample id (a positive whole number).");
            }

            before = cursor;
        }

        var samples = await store.ReadSamplesAsync(migration.Name, new SampleQuery(NullIfEmpty(query["endpoint"]), NullIfEmpty(query["path"]), limit, before), cancellationToken).ConfigureAwait(false);

        // A full page may have more behind it: hand out the cursor for the next one.
        return Results.Ok(new SamplePage(samples, samples.Count == limit ? samples[^1].Id : null));
    }

    private static async Task<IResult> GetSampleAsync(string name, string id, MigrationRegistry registry, IDiffStore store, CancellationToken cancellationToken)
    {
        if (!registry.TryGet(name, out var migration))
        {
            return AdminProblems.UnknownMigration(name);
        }

        if (!TryParseId(id, out var sampleId))
        {
            return AdminProblems.BadRequest($"'{id}' is not a sample id (a positive whole number).");
        }

        var sample = await store.ReadSampleAsync(migration.Name, sampleId, cancellationToken).ConfigureAwait(false);
        if (sample is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown sample", detail: $"Migration '{migration.Name}' has no stored sample {sampleId}; samples are bounded and the oldest are deleted.");
        }

        return Results.Ok(InForce(sample, migration.Comparer.Noise, migration.Comparer.Engine.Severity));
    }

    /// <summary>
    /// The sample's differences flagged by the noise rules in force now, not those of the moment it was compared,
    /// with their severity by the severity rules in force (docs/comparison.md#severity).
    /// </summary>
    private static SampleDetail InForce(SampleDetail sample, NoiseRules rules, SeverityRules severity)
    {
        var differences = sample.Differences.Select(d =>
        {
            var source = NoiseSources.Name(rules.SourceOf(sample.Endpoint, d.Path, d.Kind, d.IsNoise && d.NoiseSource is null or "config"));
            return d with { IsNoise = source is not null, NoiseSource = source, Severity = DiffSeverities.Name(severity.Classify(d.Path, d.Kind, d.Legacy, d.Candidate)) };
        }).ToList();
        return sample with { Differences = differences };
    }
}

/// <summary>A page of sample headers; <see cref="NextBefore"/> is the <c>before</c> of the next page.</summary>
internal sealed record SamplePage(IReadOnlyList<SampleHeader> Samples, long? NextBefore);
