using System.CommandLine;
using System.Diagnostics;
using System.Text;
using ShadowCtl.Api;
using ShadowCtl.Replay;
using ShadowProxy.Core.Replay;

namespace ShadowCtl.Commands;

/// <summary>
/// <c>replay NAME --target URL</c> or <c>replay --from FILE.har --target URL</c> (docs/admin-api.md#replay-corpus): sends the recorded
/// requests to a build under test and judges its answers against legacy's with the migration's rules and noise,
/// through the proxy's own diff engine. Exit 0 when everything matches (noise aside), 8 when anything differs.
/// </summary>
internal static class ReplayCommand
{
    private const int DefaultConcurrency = 8;

    public static Command Create(CommandRunner runner)
    {
        var name = new Argument<string?>("NAME") { Description = "The migration whose corpus to replay, fetched from the admin API; leave it out with --from", Arity = ArgumentArity.ZeroOrOne };
        var target = new Option<string>("--target", "-t") { Description = "The build under test, e.g. http://127.0.0.1:9100 (a path there prefixes every recorded path)", Required = true };
        var from = new Option<string?>("--from", "-f") { Description = "Replay an exported HAR file (GET .../exchanges?format=har) instead of asking the proxy" };
        var endpoint = new Option<string?>("--endpoint", "-e") { Description = "Only this endpoint, e.g. 'GET /api/orders/{id}'" };
        var limit = CommonSymbols.Limit($"Exchanges at most [default: all, from the proxy up to {ExchangeQuery.MaxLimit}]");
        var headers = new Option<string[]>("--header", "-H") { Description = "Send 'Name: value' with every request, replacing a recorded header of that name (credentials that redaction removed); repeatable" };
        var includeWrites = new Option<bool>("--include-writes") { Description = "Also replay methods other than GET, HEAD and OPTIONS (they may change the target's data)" };
        var junit = new Option<string?>("--junit") { Description = "Also write the result as JUnit XML to this file (a test suite per endpoint, a test case per exchange)" };
        var concurrency = CommonSymbols.PositiveInt("--concurrency", $"Requests in flight at most [default: {DefaultConcurrency}]");
        var timeout = CommonSymbols.Duration("--timeout", "Time each request may take before it counts as unanswered [default: 30s]", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
        var command = new Command("replay", "Replay recorded traffic against a build under test and compare its answers with legacy's (exit 8 when any differs)")
        {
            name, target, from, endpoint, limit, headers, includeWrites, junit, concurrency, timeout,
        };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(name) is null) == (result.GetValue(from) is null))
            {
                result.AddError("Name a migration (replay from the proxy) or give --from FILE.har, not both.");
            }
        });

        return runner.Define(command, async (context, parse, cancellationToken) =>
        {
            var extraHeaders = ParseHeaders(parse.GetValue(headers) ?? []);
            var targetUri = ParseTarget(parse.GetRequiredValue(target));
            var junitPath = parse.GetValue(junit);
            if (junitPath is not null && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(junitPath))))
            {
                throw new UsageException($"--junit '{junitPath}': its directory does not exist.");
            }

            var (corpus, source) = parse.GetValue(from) is { } file
                ? (await ReadFileAsync(file, cancellationToken).ConfigureAwait(false), file)
                : (await FetchAsync(context, parse.GetValue(name)!, parse.GetValue(endpoint), parse.GetValue(limit), cancellationToken).ConfigureAwait(false), "proxy " + context.Client.Server);
            var exchanges = corpus.Exchanges
                .Where(e => parse.GetValue(endpoint) is not { } only || e.Endpoint == only)
                .Take(parse.GetValue(limit) ?? int.MaxValue)
                .ToList();

            ReplayJudge judge;
            try
            {
                judge = new ReplayJudge(corpus.Rules);
            }
            catch (ArgumentException ex)
            {
                throw new UsageException($"the corpus's rules are invalid: {ex.Message}");
            }

            var started = Stopwatch.GetTimestamp();
            var workers = parse.GetValue(concurrency) ?? DefaultConcurrency;
            using var replayTarget = new ReplayTarget(targetUri, extraHeaders, workers, parse.GetValue(timeout), judge.MaxBodyBytes);
            IReadOnlyList<ExchangeResult> outcomes;
            try
            {
                var progress = new ReplayProgress(context.ErrorIsTerminal ? context.Error : null);
                outcomes = await ReplayRun.RunAsync(exchanges, judge, replayTarget, parse.GetValue(includeWrites), workers, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (TargetUnreachableException ex)
            {
                await context.Error.WriteLineAsync($"shadowctl: {ex.Message}\nIs the build under test running there? Point --target at it.").ConfigureAwait(false);
                return ExitCodes.Unreachable;
            }

            var results = new ReplayResults(source, corpus.Migration, targetUri, outcomes, Stopwatch.GetElapsedTime(started));
            if (junitPath is not null)
            {
                await JUnitReport.WriteAsync(junitPath, results, cancellationToken).ConfigureAwait(false);
            }

            await context.Out.WriteAsync(context.Json ? ReplayOutput.Json(results) : ReplayOutput.Text(results)).ConfigureAwait(false);
            if (results.HasDifferences)
            {
                return ExitCodes.DifferencesFound;
            }

            if (results.Replayed == 0)
            {
                var why = corpus.Exchanges.Count == 0 ? "the corpus is empty" : exchanges.Count == 0 ? "no exchange matches --endpoint" : "every exchange was skipped";
                await context.Error.WriteLineAsync($"shadowctl: nothing replayed: {why}; no verdict.").ConfigureAwait(false);
                return ExitCodes.NothingReplayed;
            }

            return ExitCodes.Success;
        });
    }

    private static async Task<ReplayCorpus> FetchAsync(CommandContext context, string migration, string? endpoint, int? limit, CancellationToken cancellationToken)
    {
        var query = ApiPaths.WithQuery(ApiPaths.Migration(migration, "exchanges"), ("format", "har"), ("endpoint", endpoint), ("limit", limit ?? ExchangeQuery.MaxLimit));
        var response = await context.Client.GetAsync(query, cancellationToken).ConfigureAwait(false);

        // The same reader as --from: a replay through the proxy and one from its export judge alike.
        return HarArchive.Read(new MemoryStream(Encoding.UTF8.GetBytes(response.Text)));
    }

    private static async Task<ReplayCorpus> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            buffer.Position = 0;
            return HarArchive.Read(buffer);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new UsageException($"--from '{path}': {ex.Message}");
        }
    }

    private static Uri ParseTarget(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Query.Length > 0)
        {
            throw new UsageException($"--target '{text}' is not an http:// or https:// address without a query, e.g. http://127.0.0.1:9100");
        }

        return uri;
    }

    private static List<KeyValuePair<string, string>> ParseHeaders(IEnumerable<string> headers)
    {
        var result = new List<KeyValuePair<string, string>>();
        var position = 0;
        foreach (var header in headers)
        {
            position++;
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            var headerName = colon > 0 ? header[..colon].Trim() : string.Empty;
            if (headerName.Length == 0 || headerName.Any(c => c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".Contains(c, StringComparison.Ordinal)))
            {
                // Not echoed: the value may be a credential.
                throw new UsageException($"--header number {position} is not 'Name: value', e.g. --header 'Authorization: Bearer $TOKEN'");
            }

            result.Add(KeyValuePair.Create(headerName, header[(colon + 1)..].Trim()));
        }

        return result;
    }
}
