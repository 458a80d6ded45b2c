using System.CommandLine;
using System.Text;
using ShadowCtl.Api;
using ShadowCtl.Rendering;

namespace ShadowCtl.Commands;

/// <summary><c>report</c> (legacy vs candidate), <c>endpoints</c> (the inventory) and <c>audit</c> (who changed what, when and why).</summary>
internal static class ReportCommands
{
    private static readonly string[] Verdicts = ["matching", "differs", "unseen"];

    public static IEnumerable<Command> Create(CommandRunner runner) => [Report(runner), Endpoints(runner), Audit(runner)];

    private static Command Endpoints(CommandRunner runner)
    {
        var name = CommonSymbols.MigrationName();
        var command = new Command("endpoints", "Every endpoint the migration has seen: traffic, errors, statuses, legacy latency, sizes, query parameters, coverage") { name };
        return runner.Define(command, async (context, parse, cancellationToken) =>
        {
            var response = await context.Client.GetAsync(ApiPaths.Migration(parse.GetRequiredValue(name), "endpoints"), cancellationToken).ConfigureAwait(false);
            return await context.PrintAsync<EndpointInventory>(response, WriteInventory).ConfigureAwait(false);
        });
    }

    private static Command Report(CommandRunner runner)
    {
        var name = CommonSymbols.MigrationName();
        var markdown = new Option<bool>("--markdown", "--md") { Description = "Print the server's markdown report (for a pull request or a ticket)" };
        var command = new Command("report", "Legacy vs candidate per endpoint: requests, error rate, p50/p95/p99 latency, diff rate") { name, markdown };
        command.Validators.Add(result =>
        {
            if (result.GetValue(markdown) && result.GetValue(runner.Options.Json))
            {
                result.AddError("--markdown and --json are two formats of the report; choose one.");
            }
        });
        return runner.Define(command, async (context, parse, cancellationToken) =>
        {
            var path = ApiPaths.Migration(parse.GetRequiredValue(name), "report");
            if (parse.GetValue(markdown))
            {
                var text = await context.Client.GetAsync(ApiPaths.WithQuery(path, ("format", "markdown")), cancellationToken).ConfigureAwait(false);
                await context.Out.WriteAsync(text.Text.EndsWith('\n') ? text.Text : text.Text + "\n").ConfigureAwait(false);
                return ExitCodes.Success;
            }

            var response = await context.Client.GetAsync(path, cancellationToken).ConfigureAwait(false);
            return await context.PrintAsync<MigrationReport>(response, WriteReport).ConfigureAwait(false);
        });
    }

    private static Command Audit(CommandRunner runner)
    {
        var migration = new Option<string?>("--migration", "-m") { Description = "Only this migration's changes" };
        var limit = CommonSymbols.Limit("Entries at most, newest first [default: 100]");
        var command = new Command("audit", "State changes, newest first: time, migration, who, what, why") { migration, limit };
        return runner.Define(command, async (context, parse, cancellationToken) =>
        {
            var query = ApiPaths.WithQuery(ApiPaths.Audit, ("migration", parse.GetValue(migration)), ("limit", parse.GetValue(limit)));
            var response = await context.Client.GetAsync(query, cancellationToken).ConfigureAwait(false);
            return await context.PrintAsync<List<AuditView>>(response, WriteAudit).ConfigureAwait(false);
        });
    }

    private static void WriteReport(StringBuilder output, MigrationReport report)
    {
        output.Append($"{report.Migration}: legacy vs candidate at {Format.Time(report.GeneratedAt)} (latencies in ms, p50/p95/p99; differing comparisons by their most severe difference: breaking/risky/cosmetic)\n\n");
        var table = new Table("ENDPOINT", "LEGACY REQ>", "LEGACY ERR>", "LEGACY LATENCY>", "CANDIDATE REQ>", "CANDIDATE ERR>", "CANDIDATE LATENCY>", "COMPARED>", "DIFF RATE>", "B/R/C>");
        foreach (var row in report.Endpoints)
        {
            table.Add(row.Endpoint,
                Format.Number(row.Legacy.Requests), Format.Rate(row.Legacy.ErrorRate), Format.Latencies(row.Legacy.P50Ms, row.Legacy.P95Ms, row.Legacy.P99Ms),
                Format.Number(row.Candidate.Requests), Format.Rate(row.Candidate.ErrorRate), Format.Latencies(row.Candidate.P50Ms, row.Candidate.P95Ms, row.Candidate.P99Ms),
                Format.Number(row.Comparisons), Format.Rate(row.DiffRate), $"{row.Breaking}/{row.Risky}/{row.Cosmetic}");
        }

        var t = report.Totals;
        table.Add("TOTAL",
            Format.Number(t.LegacyRequests), Format.Rate(ErrorRate(t.LegacyErrors, t.LegacyRequests)), Format.None,
            Format.Number(t.CandidateRequests), Format.Rate(ErrorRate(t.CandidateErrors, t.CandidateRequests)), Format.None,
            Format.Number(t.Comparisons), Format.Rate(t.DiffRate),
            $"{report.Endpoints.Sum(r => r.Breaking)}/{report.Endpoints.Sum(r => r.Risky)}/{report.Endpoints.Sum(r => r.Cosmetic)}");
        table.WriteTo(output);

        static double? ErrorRate(long errors, long requests) => requests == 0 ? null : (double)errors / requests;
    }

    private static void WriteInventory(StringBuilder output, EndpointInventory inventory)
    {
        var verdicts = inventory.Endpoints.GroupBy(e => e.Verdict).ToDictionary(g => g.Key, g => (Count: g.Count(), Share: g.Sum(e => e.Share)));
        output.Append($"{inventory.Migration}: {inventory.Endpoints.Count} endpoints, {Format.Number(inventory.Requests)} requests at {Format.Time(inventory.GeneratedAt)}; coverage: "
            + string.Join(", ", Verdicts.Select(v => $"{v} {verdicts.GetValueOrDefault(v).Count} ({Format.Rate(verdicts.GetValueOrDefault(v).Share)} of traffic)"))
            + "\n\n");
        var table = new Table("ENDPOINT", "COVERAGE", "REQUESTS>", "SHARE>", "ERRORS>", "STATUSES", "P50/P99 MS>", "BYTES>", "QUERY", "COMPARED>", "DIFF RATE>");
        foreach (var e in inventory.Endpoints)
        {
            var classes = e.StatusClasses ?? new Dictionary<string, long>();
            var errors = classes.GetValueOrDefault("4xx") + classes.GetValueOrDefault("5xx") + classes.GetValueOrDefault("error");
            table.Add($"{e.Method} {e.Template}", e.Verdict, Format.Number(e.Requests), Format.Rate(e.Share), Format.Rate(e.Requests == 0 ? null : (double)errors / e.Requests),
                string.Join(' ', (e.Statuses ?? []).Select(s => s.Status)), $"{Format.Milliseconds(e.P50Ms)}/{Format.Milliseconds(e.P99Ms)}",
                e.ResponseBytes is { } bytes ? Format.Number(bytes.Mean) : Format.None,
                e.QueryParameters is { Count: > 0 } query ? string.Join(',', query.Select(q => q.Name)) : Format.None,
                Format.Number(e.Comparisons), Format.Rate(e.NonNoiseDiffRate));
        }

        table.WriteTo(output);
    }

    private static void WriteAudit(StringBuilder output, List<AuditView> entries)
    {
        if (entries.Count == 0)
        {
            output.Append("No state changes recorded.\n");
            return;
        }

        var table = new Table("TIME", "MIGRATION", "ACTOR", "ACTION", "CHANGE", "TRIGGER", "REASON");
        foreach (var e in entries)
        {
            table.Add(Format.Time(e.Time), e.Migration, e.Actor, e.Action, $"{e.From} -> {e.To}", e.Trigger ?? Format.None, e.Reason ?? Format.None);
        }

        table.WriteTo(output);
    }
}
