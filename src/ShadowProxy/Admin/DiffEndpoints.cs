using System.Globalization;
using System.Text.Json;
using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Noise;
using ShadowProxy.Core.Storage;
using ShadowProxy.Core.Triage;
using ShadowProxy.Core.Versions;
using ShadowProxy.Migrations;

using ShadowProxy.Core.Configuration;

namespace ShadowProxy.Admin;

/// <summary>
/// The diff endpoints of SPEC §5, relative to the <c>/api/v1</c> group: summary, samples, one sample,
/// and noise marks. Reads need Viewer; the noise POST/DELETE need Operator.
/// </summary>
internal static class DiffEndpoints
{
    /// <summary>The <see cref="HttpContext.Items"/> key under which the auth filter leaves the API key's name.</summary>
    public const string ActorItemKey = AdminAuthorization.ActorItem;

    private const int MaxNoiseFieldLength = 1024;

    // Summary rows read for one triage answer, beyond the store's own bound per migration.
    private const int MaxTriageRows = 100_000;

    private static readonly string[] NoisePathPrefixes = ["$", "header:", "status", "body", "line:"];

    public static RouteGroupBuilder MapDiffEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("migrations/{name}/diffs/summary", GetSummaryAsync);
        api.MapGet("migrations/{name}/diffs", GetSamplesAsync);
        api.MapGet("migrations/{name}/diffs/{id}", GetSampleAsync);
        api.MapGet("migrations/{name}/noise", GetNoiseAsync);
        api.MapPost("migrations/{name}/noise", (string name, HttpContext context, CancellationToken cancellationToken) => ChangeNoiseAsync(name, context, mark: true, cancellationToken))
            .RequireRole(AdminRole.Operator);
        api.MapDelete("migrations/{name}/noise", (string name, HttpContext context, CancellationToken cancellationToken) => ChangeNoiseAsync(name, context, mark: false, cancellationToken))
            .RequireRole(AdminRole.Operator);
        return api;
    }

    private static async Task<IResult> GetSummaryAsync(string name, HttpRequest request, MigrationRegistry registry, IDiffStore store, ISignalStore signal, CancellationToken cancellationToken)
    {
        if (!registry.TryGet(name, out var migration))
        {
            return UnknownMigration(name);
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
            return BadRequest(error);
        }

        var version = NullIfEmpty(query["version"]);
        if (version is not null && CandidateVersion.Normalize(version) is null)
        {
            return BadRequest($"version: '{version}' is not a version name (printable ASCII, at most {CandidateVersion.MaxLength} characters).");
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
            // lastVersion and fixed per row (SPEC §9), from the counts per version.
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
            return UnknownMigration(name);
        }

        var query = request.Query;
        if (!TryParseInt(query["limit"], "limit", 50, 1, SampleQuery.MaxLimit, out var limit, out var error))
        {
            return BadRequest(error);
        }

        long? before = null;
        if (NullIfEmpty(query["before"]) is { } beforeText)
        {
            if (!TryParseId(beforeText, out var cursor))
            {
                return BadRequest($"before: '{beforeText}' is not a sample id (a positive whole number).");
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
            return UnknownMigration(name);
        }

        if (!TryParseId(id, out var sampleId))
        {
            return BadRequest($"'{id}' is not a sample id (a positive whole number).");
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
    /// with their severity by the severity rules in force (SPEC §16).
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

    private static async Task<IResult> GetNoiseAsync(string name, MigrationRegistry registry, IStateStore store, CancellationToken cancellationToken)
    {
        if (!registry.TryGet(name, out var migration))
        {
            return UnknownMigration(name);
        }

        return Results.Ok(new NoiseMarks(await store.ReadNoiseMarksAsync(migration.Name, cancellationToken).ConfigureAwait(false)));
    }

    private static async Task<IResult> ChangeNoiseAsync(string name, HttpContext context, bool mark, CancellationToken cancellationToken)
    {
        var services = context.RequestServices;
        if (!services.GetRequiredService<MigrationRegistry>().TryGet(name, out var migration))
        {
            return UnknownMigration(name);
        }

        var (request, problem) = await ReadNoiseRequestAsync(context.Request).ConfigureAwait(false);
        if (request is null)
        {
            return problem!;
        }

        var store = services.GetRequiredService<IStateStore>();
        var actor = context.Items[ActorItemKey] as string ?? "anonymous";
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var endpoint = NullIfEmpty(request.Endpoint);
        var changed = mark
            ? await store.AddNoiseMarkAsync(new NoiseMark(migration.Name, request.Path!, endpoint, actor, now), request.Reason, cancellationToken).ConfigureAwait(false)
            : await store.RemoveNoiseMarkAsync(new NoiseMarkRemoval(migration.Name, request.Path!, endpoint, actor, now, request.Reason), cancellationToken).ConfigureAwait(false);
        var marks = await store.ReadNoiseMarksAsync(migration.Name, cancellationToken).ConfigureAwait(false);
        if (changed)
        {
            foreach (var listener in services.GetServices<INoiseMarksChanged>())
            {
                listener.OnNoiseMarksChanged(migration.Name, marks);
            }
        }

        return Results.Ok(new NoiseChange(changed, marks));
    }

    /// <summary>The mark from the JSON body or, for clients that cannot send a DELETE body, from the query.</summary>
    private static async Task<(NoiseRequest? Request, IResult? Problem)> ReadNoiseRequestAsync(HttpRequest request)
    {
        NoiseRequest? body;
        if (!AdminRequestBody.IsPresent(request))
        {
            body = new NoiseRequest(NullIfEmpty(request.Query["path"]), NullIfEmpty(request.Query["endpoint"]), NullIfEmpty(request.Query["reason"]));
        }
        else
        {
            (body, var problem) = await AdminRequestBody.ReadAsync<NoiseRequest>(request).ConfigureAwait(false);
            if (problem is not null)
            {
                return (null, problem);
            }
        }

        if (string.IsNullOrEmpty(body?.Path))
        {
            return (null, BadRequest("path is required, e.g. {\"path\": \"$.meta.requestId\"}."));
        }

        if (!NoisePathPrefixes.Any(prefix => body.Path.StartsWith(prefix, StringComparison.Ordinal)))
        {
            return (null, BadRequest($"path '{body.Path}' is not a difference path: it starts with '$' (JSON), 'header:', 'status', 'body' or 'line:'."));
        }

        // The same syntax the diff engine accepts for IgnoreJsonPaths, so a mark never fails to apply.
        if (!PathPatternSet.TryCompile([body.Path], out _, out var syntax))
        {
            return (null, BadRequest("path " + syntax["[0]: ".Length..] + "."));
        }

        if (body.Path.Length > MaxNoiseFieldLength || body.Endpoint?.Length > MaxNoiseFieldLength || body.Reason?.Length > MaxNoiseFieldLength)
        {
            return (null, BadRequest($"path, endpoint and reason are at most {MaxNoiseFieldLength} characters each."));
        }

        return (body, null);
    }

    private static bool TryParseInt(string? text, string name, int fallback, int min, int max, out int value, out string error)
    {
        error = string.Empty;
        value = fallback;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) && value >= min && value <= max)
        {
            return true;
        }

        error = $"{name}: '{text}' must be a whole number from {min} to {max}.";
        return false;
    }

    private static bool TryParseNoise(string? text, out bool? noise, out string error)
    {
        error = string.Empty;
        noise = null;
        switch (text?.ToLowerInvariant())
        {
            case null or "" or "any":
                return true;
            case "true" or "yes":
                noise = true;
                return true;
            case "false" or "no":
                noise = false;
                return true;
            default:
                error = $"noise: '{text}' must be true, false or any.";
                return false;
        }
    }

    private static bool TryParseSince(string? text, out DateTimeOffset? since, out string error)
    {
        error = string.Empty;
        since = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            since = parsed;
            return true;
        }

        error = $"since: '{text}' is not an ISO 8601 time, e.g. 2026-12-04T14:00:00Z.";
        return false;
    }

    private static bool TryParseSeverity(string? text, out DiffSeverity? severity, out string error)
    {
        error = string.Empty;
        severity = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (DiffSeverities.TryParse(text, out var parsed))
        {
            severity = parsed;
            return true;
        }

        error = $"severity: '{text}' must be {DiffSeverities.Accepted} (the least severity shown).";
        return false;
    }

    private static bool TryParseGrouping(string? text, out SummaryGrouping grouping, out string error)
    {
        error = string.Empty;
        grouping = SummaryGrouping.Endpoint;
        switch (text?.ToLowerInvariant())
        {
            case null or "" or "endpoint":
                return true;
            case "path":
                grouping = SummaryGrouping.Path;
                return true;
            default:
                error = $"groupBy: '{text}' must be path or endpoint.";
                return false;
        }
    }

    /// <summary>Null when absent: the summary then sorts by severity, then count.</summary>
    private static bool TryParseSort(string? text, out SummarySort? sort, out string error)
    {
        error = string.Empty;
        sort = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (!int.TryParse(text, CultureInfo.InvariantCulture, out _) && Enum.TryParse<SummarySort>(text, ignoreCase: true, out var parsed))
        {
            sort = parsed;
            return true;
        }

        error = $"sort: '{text}' must be one of {string.Join(", ", Enum.GetNames<SummarySort>().Select(JsonNamingPolicy.CamelCase.ConvertName))}.";
        return false;
    }

    private static bool TryParseId(string text, out long id) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id > 0;

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    private static IResult UnknownMigration(string name) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown migration", detail: $"No migration is named '{name}'.");

    private static IResult BadRequest(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request", detail: detail);

    private sealed record NoiseRequest(string? Path, string? Endpoint, string? Reason);
}

/// <summary>A page of sample headers; <see cref="NextBefore"/> is the <c>before</c> of the next page.</summary>
internal sealed record SamplePage(IReadOnlyList<SampleHeader> Samples, long? NextBefore);

internal sealed record NoiseMarks(IReadOnlyList<NoiseMark> Marks);

/// <summary>The answer to a noise POST/DELETE: whether anything changed, and the marks now in force.</summary>
internal sealed record NoiseChange(bool Changed, IReadOnlyList<NoiseMark> Marks);
