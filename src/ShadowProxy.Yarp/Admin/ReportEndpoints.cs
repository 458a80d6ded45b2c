using System.Globalization;
using System.Text;
using ShadowProxy.Core.Endpoints;
using ShadowProxy.Migrations;

namespace ShadowProxy.Admin;

/// <summary>docs/admin-api.md: the legacy-vs-candidate report of one migration, as JSON or as a Markdown table (Viewer).</summary>
internal static class ReportEndpoints
{
    public static RouteGroupBuilder MapReportEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("migrations/{name}/report", async (string name, string? format, MigrationRegistry registry, SharedCounters counters, TimeProvider time, CancellationToken cancellationToken) =>
        {
            if (!registry.TryGet(name, out var migration))
            {
                return AdminProblems.UnknownMigration(name);
            }

            var rows = await counters.ReportAsync(migration, cancellationToken).ConfigureAwait(false);
            return format switch
            {
                null or "json" => Results.Ok(new MigrationReport(migration.Name, time.GetUtcNow(), Totals(rows), rows)),
                "markdown" or "md" => Results.Text(Markdown(migration, rows, time.GetUtcNow()), "text/markdown; charset=utf-8"),
                _ => AdminProblems.BadRequest($"format '{format}' is not json or markdown"),
            };
        });
        return api;
    }

    private static ReportTotals Totals(IReadOnlyList<EndpointRow> rows)
    {
        var comparisons = rows.Sum(r => r.Comparisons);
        var diffs = rows.Sum(r => r.Diffs);
        long LegacyRequests() => rows.Sum(r => r.Legacy.Requests);
        long CandidateRequests() => rows.Sum(r => r.Candidate.Requests);
        return new ReportTotals(LegacyRequests(), rows.Sum(r => r.Legacy.Errors), CandidateRequests(), rows.Sum(r => r.Candidate.Errors),
            comparisons, diffs, comparisons == 0 ? null : (double)diffs / comparisons);
    }

    private static string Markdown(MigrationRuntime migration, IReadOnlyList<EndpointRow> rows, DateTimeOffset now)
    {
        var snapshot = migration.Current;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# {migration.Name}: legacy vs candidate\n\n");
        text.Append(CultureInfo.InvariantCulture, $"Stage **{snapshot.Stage}**, weight **{snapshot.Weight}%**, status **{snapshot.Status}**, at {now:u}. Mirrored traffic of every instance, kept across restarts.\n\n");
        text.Append("| endpoint | legacy req | legacy err | legacy p50/p95/p99 ms | candidate req | candidate err | candidate p50/p95/p99 ms | diff rate | breaking | risky | cosmetic |\n");
        text.Append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        foreach (var row in rows)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"| `{row.Endpoint}` | {row.Legacy.Requests} | {Percent(row.Legacy.ErrorRate)} | {Latencies(row.Legacy)} | {row.Candidate.Requests} | {Percent(row.Candidate.ErrorRate)} | {Latencies(row.Candidate)} | {Percent(row.DiffRate)} | {row.Breaking} | {row.Risky} | {row.Cosmetic} |\n");
        }

        return text.ToString();

        static string Percent(double? rate) => rate is { } r ? (r * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%" : "–";

        static string Latencies(BackendSide side) => side.P50Ms is null ? "–" : string.Create(CultureInfo.InvariantCulture, $"{side.P50Ms:0.#} / {side.P95Ms:0.#} / {side.P99Ms:0.#}");
    }
}

internal sealed record ReportTotals(long LegacyRequests, long LegacyErrors, long CandidateRequests, long CandidateErrors, long Comparisons, long Diffs, double? DiffRate);

internal sealed record MigrationReport(string Migration, DateTimeOffset GeneratedAt, ReportTotals Totals, IReadOnlyList<EndpointRow> Endpoints);
