using System.Text;
using System.Text.Json;
using ShadowCtl.Rendering;
using ShadowProxy.Core.Replay;

namespace ShadowCtl.Replay;

/// <summary>A replay's result for people (tables: per endpoint, then per endpoint and differing path) and for scripts (<c>--json</c>).</summary>
internal static class ReplayOutput
{
    public static string Text(ReplayResults results)
    {
        var output = new StringBuilder();
        output.Append($"replayed {results.Replayed} exchanges of {Describe(results)} against {results.Target} in {Format.Duration(results.Elapsed)}: ");
        output.Append($"{results.Count(ExchangeResult.Match)} match, {results.Count(ExchangeResult.Noise)} differ only in noise, {results.Count(ExchangeResult.Differ)} differ");
        var skipped = results.Count(ExchangeResult.Skipped);
        output.Append(skipped > 0 ? $"; {skipped} skipped (not safe methods: --include-writes replays them)\n\n" : "\n\n");

        var endpoints = new Table("ENDPOINT", "REPLAYED>", "MATCH>", "NOISE>", "DIFFER>", "SKIPPED>", "VERDICT");
        foreach (var endpoint in results.ByEndpoint)
        {
            var differ = endpoint.Count(e => e.Failed);
            var replayed = endpoint.Count(e => e.Outcome != ExchangeResult.Skipped);
            endpoints.Add(endpoint.Key, Number(replayed), Number(endpoint.Count(e => e.Outcome == ExchangeResult.Match)),
                Number(endpoint.Count(e => e.Outcome == ExchangeResult.Noise)), Number(differ), Number(endpoint.Count(e => e.Outcome == ExchangeResult.Skipped)),
                differ > 0 ? "DIFFERS" : replayed == 0 ? "skipped" : "ok");
        }

        endpoints.WriteTo(output);
        var paths = results.DifferingPaths();
        if (paths.Count > 0)
        {
            output.Append('\n');
            var table = new Table("ENDPOINT", "PATH", "KIND", "EXCHANGES>", "LEGACY", "TARGET", "EXAMPLE");
            foreach (var row in paths)
            {
                table.Add(row.Endpoint, row.Path, row.Kind, Number(row.Exchanges), Value(row.Example.Legacy), Value(row.Example.Candidate), row.ExampleResult.Request);
            }

            table.WriteTo(output);
        }

        output.Append('\n').Append(results.HasDifferences
            ? $"FAIL: {results.Count(ExchangeResult.Differ)} of {results.Replayed} exchanges answered differently from legacy.\n"
            : $"PASS: every replayed exchange answered like legacy{(results.Count(ExchangeResult.Noise) > 0 ? " (noise aside)" : string.Empty)}.\n");
        return output.ToString();
    }

    public static string Json(ReplayResults results)
    {
        var document = new
        {
            verdict = results.HasDifferences ? "differences" : "pass",
            source = results.Source,
            migration = results.Migration,
            target = results.Target.ToString(),
            elapsedSeconds = Math.Round(results.Elapsed.TotalSeconds, 3),
            totals = new
            {
                replayed = results.Replayed,
                match = results.Count(ExchangeResult.Match),
                noise = results.Count(ExchangeResult.Noise),
                differ = results.Count(ExchangeResult.Differ),
                skipped = results.Count(ExchangeResult.Skipped),
            },
            endpoints = results.ByEndpoint.Select(g => new
            {
                endpoint = g.Key,
                replayed = g.Count(e => e.Outcome != ExchangeResult.Skipped),
                match = g.Count(e => e.Outcome == ExchangeResult.Match),
                noise = g.Count(e => e.Outcome == ExchangeResult.Noise),
                differ = g.Count(e => e.Failed),
                skipped = g.Count(e => e.Outcome == ExchangeResult.Skipped),
            }),
            differences = results.DifferingPaths().Select(r => new
            {
                endpoint = r.Endpoint,
                path = r.Path,
                kind = r.Kind,
                exchanges = r.Exchanges,
                legacy = r.Example.Legacy,
                target = r.Example.Candidate,
                example = r.ExampleResult.Request,
            }),
            exchanges = results.Exchanges.Select(e => new
            {
                id = e.Exchange.Id == 0 ? (long?)null : e.Exchange.Id,
                endpoint = e.Exchange.Endpoint,
                method = e.Exchange.Request.Method,
                path = e.Exchange.Request.Path + e.Exchange.Request.Query,
                outcome = e.Outcome,
                legacyStatus = e.Exchange.Response.Status,
                targetStatus = e.TargetStatus,
                targetFailure = e.TargetFailure,
                durationMs = Math.Round(e.DurationMs, 3),
                skipReason = e.SkipReason,
                differencesTruncated = e.DifferencesTruncated ? true : (bool?)null,
                differences = e.Differences.Select(d => new { path = d.Path, kind = d.Kind.ToString(), legacy = d.Legacy, target = d.Candidate, isNoise = d.IsNoise }),
            }),
        };
        return JsonSerializer.Serialize(document, CorpusJson.Indented) + "\n";
    }

    /// <summary>What a one-line description of the failure says in JUnit and the table.</summary>
    public static string Value(string? value) => value is null ? "(none)" : value.Length <= 40 ? value : value[..39] + "…";

    private static string Describe(ReplayResults results) => results.Migration is { } migration ? $"{migration} ({results.Source})" : results.Source;

    private static string Number(int value) => Format.Number(value);
}
