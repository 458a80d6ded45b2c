using System.CommandLine;
using System.Text;
using ShadowCtl.Api;
using ShadowCtl.Rendering;

namespace ShadowCtl.Commands;

/// <summary><c>diffs</c> (the diff summary) and <c>noise</c> (marking known differences), for the candidate's team.</summary>
internal static class DiffCommands
{
    public static IEnumerable<Command> Create(CommandRunner runner) => [Diffs(runner), Noise(runner), VersionCommands.Versions(runner)];

    private static Command Diffs(CommandRunner runner)
    {
        var name = CommonSymbols.MigrationName();
        var endpoint = new Option<string?>("--endpoint", "-e") { Description = "Only this endpoint, e.g. 'GET /api/orders/{id}'" };
        var path = new Option<string?>("--path", "-p") { Description = "Only paths containing this text, e.g. 'price' or '$.items'" };
        var limit = CommonSymbols.Limit("Rows at most [default: the server's, 100]");
        var severity = new Option<string?>("--severity")
        {
            Description = "Only differences at least this severe: breaking, risky or cosmetic [default: all]",
        };
        severity.AcceptOnlyFromAmong("breaking", "risky", "cosmetic");
        var groupBy = new Option<string?>("--group-by", "-g")
        {
            Description = "path: one row per path and kind across endpoints (one row per cause); endpoint: one per endpoint [default: endpoint]",
        };
        groupBy.AcceptOnlyFromAmong("path", "endpoint");
        var version = new Option<string?>("--version", "-v") { Description = "Count only comparisons of this candidate version (see 'shadowctl versions NAME')" };
        var since = new Option<string?>("--since") { Description = "Count only comparisons since this time (ISO 8601, e.g. 2026-12-04T14:00:00Z; whole hours)" };
        var command = new Command("diffs", "Summarize a migration's differences, most severe first: severity, kind, count, rate, noise (and why), version")
        {
            name, endpoint, path, limit, severity, groupBy, version, since, VersionCommands.Show(runner),
        };
        return runner.Define(command, async (context, parse, cancellationToken) =>
        {
            var grouped = parse.GetValue(groupBy) == "path";
            var query = ApiPaths.WithQuery(ApiPaths.Migration(parse.GetRequiredValue(name), "diffs/summary"),
                ("endpoint", parse.GetValue(endpoint)), ("path", parse.GetValue(path)), ("limit", parse.GetValue(limit)),
                ("severity", parse.GetValue(severity)), ("groupBy", grouped ? "path" : null),
                ("version", parse.GetValue(version)), ("since", parse.GetValue(since)));
            var response = await context.Client.GetAsync(query, cancellationToken).ConfigureAwait(false);
            return grouped
                ? await context.PrintAsync<DiffSummaryGroupPage>(response, WriteGroups).ConfigureAwait(false)
                : await context.PrintAsync<DiffSummaryPage>(response, WriteSummary).ConfigureAwait(false);
        });
    }

    private static Command Noise(CommandRunner runner)
    {
        var name = CommonSymbols.MigrationName();
        var path = new Argument<string?>("PATH")
        {
            Description = "The difference path to mark, e.g. '$.meta.requestId', 'header:X-Trace'; without it, list the marks",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var endpoint = new Option<string?>("--endpoint", "-e") { Description = "Only at this endpoint, e.g. 'GET /api/orders/{id}' [default: every endpoint]" };
        var remove = new Option<bool>("--remove") { Description = "Unmark the path instead" };
        var reason = CommonSymbols.Reason();
        var command = new Command("noise", "Mark a difference path as noise (or unmark it with --remove); with no PATH, list the marks (Operator to change)")
        {
            name, path, endpoint, remove, reason,
        };
        return runner.Define(command, async (context, parse, cancellationToken) =>
        {
            var target = ApiPaths.Migration(parse.GetRequiredValue(name), "noise");
            if (parse.GetValue(path) is not { Length: > 0 } markPath)
            {
                var list = await context.Client.GetAsync(target, cancellationToken).ConfigureAwait(false);
                return await context.PrintAsync<NoiseMarkList>(list, (output, marks) => WriteMarks(output, marks.Marks)).ConfigureAwait(false);
            }

            var body = new NoiseBody(markPath, parse.GetValue(endpoint), parse.GetValue(reason));
            var removing = parse.GetValue(remove);
            var response = removing
                ? await context.Client.DeleteAsync(target, body, cancellationToken).ConfigureAwait(false)
                : await context.Client.PostAsync(target, body, cancellationToken).ConfigureAwait(false);
            return await context.PrintAsync<NoiseChange>(response, (output, change) =>
            {
                var where = body.Endpoint is null ? "every endpoint" : body.Endpoint;
                output.Append((removing, change.Changed) switch
                {
                    (false, true) => $"marked {body.Path} as noise at {where}\n",
                    (false, false) => $"{body.Path} was already marked as noise at {where}\n",
                    (true, true) => $"unmarked {body.Path} at {where}\n",
                    (true, false) => $"{body.Path} was not marked as noise at {where}\n",
                });
                output.Append('\n');
                WriteMarks(output, change.Marks);
            }).ConfigureAwait(false);
        });
    }

    private static void WriteSummary(StringBuilder output, DiffSummaryPage page)
    {
        if (page.Rows.Count == 0)
        {
            output.Append("No differences recorded.\n");
            return;
        }

        var table = new Table("SEVERITY", "ENDPOINT", "PATH", "KIND", "COUNT>", "RATE>", "NOISE", "VERSION", "LAST SEEN");
        foreach (var row in page.Rows)
        {
            table.Add(
                row.Severity ?? Format.None,
                row.Endpoint,
                row.CandidatePath is null ? row.Path : row.Path + " -> " + row.CandidatePath,
                row.Kind,
                Format.Number(row.Count),
                Format.Rate(row.Rate),
                row.IsNoise ? row.NoiseSource ?? "noise" : "-",
                row.Fixed ? "fixed in " + row.FixedIn : row.LastVersion ?? "-",
                Format.Time(row.LastSeen));
        }

        table.WriteTo(output);
        WriteMore(output, page.Total, page.Offset, page.Rows.Count);
    }

    private static void WriteGroups(StringBuilder output, DiffSummaryGroupPage page)
    {
        if (page.Rows.Count == 0)
        {
            output.Append("No differences recorded.\n");
            return;
        }

        var table = new Table("SEVERITY", "PATH", "KIND", "COUNT>", "RATE>", "NOISE", "LAST SEEN", "ENDPOINTS");
        foreach (var group in page.Rows)
        {
            table.Add(group.Severity, group.Path, group.Kind, Format.Number(group.Count), Format.Rate(group.Rate), group.IsNoise ? "noise" : "-", Format.Time(group.LastSeen), Endpoints(group.Endpoints));
        }

        table.WriteTo(output);
        WriteMore(output, page.Total, page.Offset, page.Rows.Count);

        // The most affected endpoints first; the rest as a count.
        static string Endpoints(IReadOnlyList<GroupEndpoint> endpoints) =>
            endpoints.Count <= 2
                ? string.Join(", ", endpoints.Select(e => e.Endpoint))
                : $"{endpoints.Count}: {endpoints[0].Endpoint}, {endpoints[1].Endpoint}, …";
    }

    private static void WriteMore(StringBuilder output, long total, int offset, int shown)
    {
        if (total > offset + shown)
        {
            output.Append($"\n{shown} of {Format.Number(total)} rows; narrow with --severity/--endpoint/--path or raise --limit.\n");
        }
    }

    private static void WriteMarks(StringBuilder output, IReadOnlyList<NoiseMark> marks)
    {
        if (marks.Count == 0)
        {
            output.Append("No paths are marked as noise.\n");
            return;
        }

        var table = new Table("PATH", "ENDPOINT", "BY", "SINCE");
        foreach (var mark in marks)
        {
            table.Add(mark.Path, mark.Endpoint ?? "(every endpoint)", mark.Actor ?? Format.None, Format.Time(mark.CreatedAt));
        }

        table.WriteTo(output);
    }
}
