using System.Globalization;
using System.Text;
using System.Text.Json;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Endpoints;
using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Ramp;
using ShadowProxy.Core.Storage;
using ShadowProxy.Core.Text;
using ShadowProxy.Migrations;

namespace ShadowProxy.Admin;

/// <summary>SPEC §5: migrations, their ramp commands, the audit log and the legacy-vs-candidate report.</summary>
internal static class MigrationEndpoints
{
    public static RouteGroupBuilder MapMigrationEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("migrations", (MigrationRegistry registry, TimeProvider time) =>
            Results.Ok(registry.All.Select(m => MigrationView.From(m, time.GetUtcNow()))));
        api.MapGet("migrations/{name}", (string name, MigrationRegistry registry, TimeProvider time) =>
            registry.TryGet(name, out var migration) ? Results.Ok(MigrationView.From(migration, time.GetUtcNow())) : AdminProblems.UnknownMigration(name));

        api.MapPost("migrations/{name}/promote", (string name, HttpContext context, MigrationController controller, MigrationRegistry registry) =>
            CommandAsync(context, name, registry, (m, body) => controller.PromoteAsync(m, context.Actor(), body.Reason, context.RequestAborted)))
            .RequireRole(AdminRole.Operator);
        api.MapPost("migrations/{name}/weight", (string name, HttpContext context, MigrationController controller, MigrationRegistry registry) =>
            CommandAsync(context, name, registry, (m, body) => controller.SetWeightAsync(m, body.Weight!.Value, context.Actor(), body.Reason, context.RequestAborted), requireWeight: true))
            .RequireRole(AdminRole.Operator);
        api.MapPost("migrations/{name}/pause", (string name, HttpContext context, MigrationController controller, MigrationRegistry registry) =>
            CommandAsync(context, name, registry, (m, body) => controller.PauseAsync(m, context.Actor(), body.Reason, context.RequestAborted)))
            .RequireRole(AdminRole.Sre);
        api.MapPost("migrations/{name}/resume", (string name, HttpContext context, MigrationController controller, MigrationRegistry registry) =>
            CommandAsync(context, name, registry, (m, body) => controller.ResumeAsync(m, context.Actor(), body.Reason, context.RequestAborted)))
            .RequireRole(AdminRole.Sre);
        api.MapPost("migrations/{name}/rollback", (string name, HttpContext context, MigrationController controller, MigrationRegistry registry) =>
            CommandAsync(context, name, registry, (m, body) => controller.RollbackAsync(m, context.Actor(), body.Reason, context.RequestAborted)))
            .RequireRole(AdminRole.Sre);
        api.MapPost("rollback", RollbackAllAsync).RequireRole(AdminRole.Sre);

        api.MapGet("migrations/{name}/history", (string name, MigrationRegistry registry, TimeProvider time) =>
            registry.TryGet(name, out var migration)
                ? Results.Ok(new RateHistoryView(RateHistory.Interval.TotalSeconds, [.. migration.History.Points(), RateHistory.Sample(migration, time.GetUtcNow())]))
                : AdminProblems.UnknownMigration(name));
        api.MapGet("audit", AuditAsync);
        api.MapGet("whoami", (HttpContext context, ApiKeyAuthenticator authenticator) =>
            Results.Ok(new WhoAmI(context.Actor(), context.Role().ToString(), authenticator.IsOpen)));
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

    private static async Task<IResult> CommandAsync(HttpContext context, string name, MigrationRegistry registry,
        Func<MigrationRuntime, CommandBody, Task<RampResult>> command, bool requireWeight = false)
    {
        if (!registry.TryGet(name, out var migration))
        {
            return AdminProblems.UnknownMigration(name);
        }

        var (body, problem) = await CommandBody.ReadAsync(context.Request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (requireWeight && body.Weight is null)
        {
            return AdminProblems.BadRequest("The body needs a weight, e.g. {\"weight\": 12.5} (percent, 0 to 100, at most two decimals).");
        }

        var result = await command(migration, body).ConfigureAwait(false);
        return result.Outcome switch
        {
            RampOutcome.Invalid => AdminProblems.BadRequest(result.Reason ?? "The command is not valid now."),
            RampOutcome.Conflict => AdminProblems.Conflict(result.Reason ?? "The command does not apply in the migration's current state."),
            _ => Results.Ok(MigrationView.From(migration, context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow())),
        };
    }

    private static async Task<IResult> RollbackAllAsync(HttpContext context, MigrationController controller, MigrationRegistry registry, TimeProvider time)
    {
        var (body, problem) = await CommandBody.ReadAsync(context.Request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        // Every migration at once: one slow store write must not hold back the others.
        var results = await Task.WhenAll(registry.All.Select(m => controller.RollbackAsync(m, context.Actor(), body.Reason, context.RequestAborted))).ConfigureAwait(false);
        return Results.Ok(registry.All.Select((m, i) => new RollbackAllItem(results[i].IsChanged ? "rolled-back" : "unchanged", MigrationView.From(m, time.GetUtcNow()))));
    }

    private static async Task<IResult> AuditAsync(string? migration, int? limit, long? before, IStateStore store, CancellationToken cancellationToken)
    {
        var take = limit ?? 100;
        if (take is < 1 or > AuditQuery.MaxLimit)
        {
            return AdminProblems.BadRequest($"limit {take} is outside 1..{AuditQuery.MaxLimit}");
        }

        var entries = await store.ReadAuditAsync(new AuditQuery(migration, take, before), cancellationToken).ConfigureAwait(false);
        return Results.Ok(entries.Select(e => new AuditView(e.Id, e.Entry.Time, e.Entry.Migration, e.Entry.Actor, e.Entry.Action, e.Entry.From, e.Entry.To, e.Entry.Reason, e.Entry.Trigger.ToString())));
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

    /// <summary>The optional JSON body of a command: <c>{"reason": "...", "weight": 12.5}</c>.</summary>
    private readonly record struct CommandBody(string? Reason, decimal? Weight)
    {
        public static async Task<(CommandBody Body, IResult? Problem)> ReadAsync(HttpRequest request)
        {
            var (document, problem) = await AdminRequestBody.ReadJsonAsync(request).ConfigureAwait(false);
            if (document is null)
            {
                return (default, problem);
            }

            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    return (default, AdminProblems.BadRequest("The body must be a JSON object, e.g. {\"reason\": \"candidate returns 500s\"}."));
                }

                string? reason = null;
                decimal? weight = null;
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    switch (property.Name.ToLowerInvariant())
                    {
                        case "reason" when property.Value.ValueKind is JsonValueKind.String or JsonValueKind.Null:
                            reason = property.Value.ValueKind == JsonValueKind.Null ? null : property.Value.GetString();
                            if (reason?.Length > 1000)
                            {
                                return (default, AdminProblems.BadRequest("reason is longer than 1000 characters."));
                            }

                            break;

                        // Exactly the number written: 1e-30 is not silently 0 (SPEC §15); range and decimals are the ramp's to judge.
                        case "weight" when property.Value.ValueKind == JsonValueKind.Number && ExactDecimal.TryParse(property.Value.GetRawText(), out var w):
                            weight = w;
                            break;
                        case "weight":
                            return (default, AdminProblems.BadRequest("weight must be a number of percent from 0 to 100 with at most two decimals, e.g. 12.5."));
                        case "reason":
                            return (default, AdminProblems.BadRequest("reason must be a string."));
                        default:
                            return (default, AdminProblems.BadRequest($"Unknown field '{property.Name}' (known: reason, weight)."));
                    }
                }

                return (new CommandBody(reason, weight), null);
            }
        }
    }
}

/// <summary>A migration as the admin API shows it.</summary>
internal sealed record MigrationView(
    string Name,
    string Status,
    string Stage,
    int StageIndex,
    int StageCount,
    IReadOnlyList<StageView> Stages,
    decimal Weight,
    bool WeightOverridden,
    bool AutoAdvance,
    bool ShadowEnabled,
    DateTimeOffset StageStartedAt,
    double SecondsInStage,
    string? StatusReason,
    MigrationCounters Counters,
    GatesView Gates)
{
    public static MigrationView From(MigrationRuntime migration, DateTimeOffset now)
    {
        var snapshot = migration.Current;
        var state = snapshot.State;
        var ramp = snapshot.Options.Ramp;
        var totals = CounterTotals.Of(migration);
        return new MigrationView(
            migration.Name,
            snapshot.Status.ToString(),
            snapshot.Stage,
            state.StageIndex,
            ramp.Stages.Count,
            ramp.Stages.Select(s => new StageView(s.Name, s.Weight, s.MinDuration.TotalSeconds, s.Shadow)).ToList(),
            snapshot.Weight,
            state.WeightOverridden,
            ramp.AutoAdvance,
            snapshot.ShadowEnabled,
            state.StageStartedAt,
            Math.Max(0, (now - state.StageStartedAt).TotalSeconds),
            state.StatusReason,
            new MigrationCounters(totals.Match, totals.Diff, totals.Noise, totals.LegacyRequests, totals.CandidateRequests, totals.Failovers, migration.ShadowInFlight, migration.ShadowBudget.Limit),
            GatesView.From(migration.LastGateReport ?? GateEvaluator.Evaluate(migration.GateSnapshot(now), ramp.Gates), ramp.Gates));
    }
}

/// <summary>
/// The last hour of cumulative counters, one point per interval and the current values last
/// (rates are differences between points).
/// </summary>
internal sealed record RateHistoryView(double IntervalSeconds, IReadOnlyList<RatePoint> Points);

/// <summary>The caller as the admin API sees it, so a client can show only what the role may do.</summary>
internal sealed record WhoAmI(string Name, string Role, bool Open);

/// <summary>One migration's part of a rollback of all: whether this call changed it.</summary>
internal sealed record RollbackAllItem(string Result, MigrationView Migration);

internal sealed record StageView(string Name, decimal Weight, double MinDurationSeconds, bool Shadow);

/// <param name="ShadowLimit">Shadows allowed in flight now (SPEC §14: adaptive, or MaxInFlight).</param>
internal sealed record MigrationCounters(long Match, long Diff, long Noise, long LegacyRequests, long CandidateRequests, long Failovers, int ShadowInFlight, int ShadowLimit);

internal sealed record GatesView(string Verdict, string? FailureReason, double WindowSeconds, int MinSamples, IReadOnlyList<GateView> Gates)
{
    public static GatesView From(GateReport report, GateOptions options) => new(
        report.Verdict.ToString(),
        report.FailureReason,
        options.Window.TotalSeconds,
        options.MinSamples,
        report.Gates.Select(g => new GateView(g.Name, g.Value, g.Threshold, g.Gate == GateKind.P99LatencyRatio ? "ratio" : "fraction", g.Verdict.ToString(), g.Samples, g.RequiredSamples, g.Detail)).ToList());
}

/// <param name="Unit">"fraction" (0.01 = 1%) for the diff and error-rate gates, "ratio" (candidate ÷ legacy) for latency.</param>
internal sealed record GateView(string Name, double? Value, double Threshold, string Unit, string Verdict, long Samples, long RequiredSamples, string Detail);

internal sealed record AuditView(long Id, DateTimeOffset Time, string Migration, string Actor, string Action, string From, string To, string? Reason, string Trigger);

internal sealed record ReportTotals(long LegacyRequests, long LegacyErrors, long CandidateRequests, long CandidateErrors, long Comparisons, long Diffs, double? DiffRate);

internal sealed record MigrationReport(string Migration, DateTimeOffset GeneratedAt, ReportTotals Totals, IReadOnlyList<EndpointRow> Endpoints);
