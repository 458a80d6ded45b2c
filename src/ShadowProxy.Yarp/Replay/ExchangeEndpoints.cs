using System.Globalization;
using System.Reflection;
using ShadowProxy.Core.Replay;
using ShadowProxy.Migrations;

namespace ShadowProxy.Replay;

/// <summary>
/// <c>GET /api/v1/migrations/{name}/exchanges</c> (docs/admin-api.md#replay-corpus, Viewer): the replay corpus as JSON, or as HAR 1.2 with
/// <c>format=har</c>. Either carries the rules a replay must judge by: the migration's diff and redaction
/// configuration and the noise in force now, so that a replay from an exported file judges like one through the proxy.
/// </summary>
internal static class ExchangeEndpoints
{
    public const int DefaultLimit = 1000;

    private static readonly string CreatorVersion =
        typeof(ExchangeEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(ExchangeEndpoints).Assembly.GetName().Version?.ToString(3)
        ?? "0.0.0";

    public static RouteGroupBuilder MapExchangeEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("migrations/{name}/exchanges", GetExchangesAsync);
        return api;
    }

    private static async Task<IResult> GetExchangesAsync(string name, HttpRequest request, MigrationRegistry registry, IReplayStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!registry.TryGet(name, out var migration))
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown migration", detail: $"No migration is named '{name}'.");
        }

        var query = request.Query;
        var limit = DefaultLimit;
        if (query["limit"].ToString() is { Length: > 0 } limitText
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > ExchangeQuery.MaxLimit))
        {
            return BadRequest($"limit: '{limitText}' must be a whole number from 1 to {ExchangeQuery.MaxLimit}.");
        }

        var format = query["format"].ToString();
        if (format.Length > 0 && !format.Equals("har", StringComparison.OrdinalIgnoreCase) && !format.Equals("json", StringComparison.OrdinalIgnoreCase))
        {
            return BadRequest($"format: '{format}' must be har or json.");
        }

        var endpoint = query["endpoint"].ToString() is { Length: > 0 } e ? e : null;
        var options = migration.Current.Options;

        // The rules in force when the corpus is read, not when each exchange was recorded: a replay judges by today's noise.
        var rules = new ReplayRules
        {
            Diff = migration.Comparer.Diff,
            Redact = options.Redact,
            Noise =
            [
                .. migration.Comparer.NoiseMarks.Select(m => new NoiseRule(m.Path, m.Endpoint, NoiseRule.Mark)),

                // Learned paths are folded ($.items[*].x): as patterns they match every index, as the probe does.
                .. migration.Probe.Learned.SelectMany(e => e.Value.Select(path => new NoiseRule(path, e.Key, NoiseRule.Probe))),
            ],
        };
        var exchanges = await store.ReadExchangesAsync(migration.Name, new ExchangeQuery(endpoint, options.Replay.PerEndpoint, limit), cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        return format.Equals("har", StringComparison.OrdinalIgnoreCase)
            ? Results.Json(HarArchive.Export(migration.Name, rules, options.Legacy.Address, exchanges, now, CreatorVersion), CorpusJson.Options)
            : Results.Json(new ExchangeCorpus(migration.Name, now, rules, exchanges), CorpusJson.Options);
    }

    private static IResult BadRequest(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request", detail: detail);
}
