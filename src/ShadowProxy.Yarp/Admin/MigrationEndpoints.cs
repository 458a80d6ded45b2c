using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using ShadowProxy.Configuration;
using ShadowProxy.Core.Ramp;
using ShadowProxy.Core.Storage;
using ShadowProxy.Core.Text;
using ShadowProxy.Migrations;

namespace ShadowProxy.Admin;

/// <summary>docs/admin-api.md: migrations, their ramp commands and the audit log. The report is <see cref="ReportEndpoints"/>.</summary>
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
        api.MapGet("whoami", async (HttpContext context, IAuthorizationService authorization, ApiKeyAuthenticator authenticator) =>
            Results.Ok(new WhoAmI(
                context.Actor(),
                ((await AdminAuthorization.StrongestRoleAsync(context, authorization).ConfigureAwait(false)) ?? AdminRole.Viewer).ToString(),
                authenticator.IsOpen && context.User.Identity?.AuthenticationType == ShadowProxyApiKeyDefaults.AuthenticationScheme)));
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

    private static async Task<IResult> AuditAsync(string? migration, string? limit, string? before, IStateStore store, CancellationToken cancellationToken)
    {
        if (!DiffQueryParameters.TryParseInt(limit, "limit", 100, 1, AuditQuery.MaxLimit, out var take, out var error))
        {
            return AdminProblems.BadRequest(error);
        }

        long? after = null;
        if (!string.IsNullOrEmpty(before))
        {
            if (!DiffQueryParameters.TryParseId(before, out var id))
            {
                return AdminProblems.BadRequest($"before: '{before}' must be an audit entry's id (a whole number from 1).");
            }

            after = id;
        }

        var entries = await store.ReadAuditAsync(new AuditQuery(migration, take, after), cancellationToken).ConfigureAwait(false);
        return Results.Ok(entries.Select(e => new AuditView(e.Id, e.Entry.Time, e.Entry.Migration, e.Entry.Actor, e.Entry.Action, e.Entry.From, e.Entry.To, e.Entry.Reason, e.Entry.Trigger.ToString())));
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

                        // Exactly the number written: 1e-30 is not silently 0 (docs/security.md); range and decimals are the ramp's to judge.
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
