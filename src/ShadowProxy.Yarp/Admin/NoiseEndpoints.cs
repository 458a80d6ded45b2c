using ShadowProxy.Configuration;
using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Storage;
using ShadowProxy.Migrations;
using static ShadowProxy.Admin.DiffQueryParameters;

namespace ShadowProxy.Admin;

/// <summary>
/// Noise marks (docs/admin-api.md#noise-marks, docs/comparison.md#noise), relative to the <c>/api/v1</c> group: the marks in force (Viewer), and marking or
/// unmarking a path as noise (Operator). A change is applied to the running migration through <see cref="INoiseMarksChanged"/>.
/// </summary>
internal static class NoiseEndpoints
{
    private const int MaxNoiseFieldLength = 1024;

    private static readonly string[] NoisePathPrefixes = ["$", "header:", "status", "body", "line:"];

    public static RouteGroupBuilder MapNoiseEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("migrations/{name}/noise", GetNoiseAsync);
        api.MapPost("migrations/{name}/noise", (string name, HttpContext context, CancellationToken cancellationToken) => ChangeNoiseAsync(name, context, mark: true, cancellationToken))
            .RequireRole(AdminRole.Operator);
        api.MapDelete("migrations/{name}/noise", (string name, HttpContext context, CancellationToken cancellationToken) => ChangeNoiseAsync(name, context, mark: false, cancellationToken))
            .RequireRole(AdminRole.Operator);
        return api;
    }

    private static async Task<IResult> GetNoiseAsync(string name, MigrationRegistry registry, IStateStore store, CancellationToken cancellationToken)
    {
        if (!registry.TryGet(name, out var migration))
        {
            return AdminProblems.UnknownMigration(name);
        }

        return Results.Ok(new NoiseMarks(await store.ReadNoiseMarksAsync(migration.Name, cancellationToken).ConfigureAwait(false)));
    }

    private static async Task<IResult> ChangeNoiseAsync(string name, HttpContext context, bool mark, CancellationToken cancellationToken)
    {
        var services = context.RequestServices;
        if (!services.GetRequiredService<MigrationRegistry>().TryGet(name, out var migration))
        {
            return AdminProblems.UnknownMigration(name);
        }

        var (request, problem) = await ReadNoiseRequestAsync(context.Request).ConfigureAwait(false);
        if (request is null)
        {
            return problem!;
        }

        var store = services.GetRequiredService<IStateStore>();
        var actor = context.Actor();
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
            return (null, AdminProblems.BadRequest("path is required, e.g. {\"path\": \"$.meta.requestId\"}."));
        }

        if (!NoisePathPrefixes.Any(prefix => body.Path.StartsWith(prefix, StringComparison.Ordinal)))
        {
            return (null, AdminProblems.BadRequest($"path '{body.Path}' is not a difference path: it starts with '$' (JSON), 'header:', 'status', 'body' or 'line:'."));
        }

        // The same syntax the diff engine accepts for IgnoreJsonPaths, so a mark never fails to apply.
        if (!PathPatternSet.TryCompile([body.Path], out _, out var syntax))
        {
            return (null, AdminProblems.BadRequest("path " + syntax["[0]: ".Length..] + "."));
        }

        if (body.Path.Length > MaxNoiseFieldLength || body.Endpoint?.Length > MaxNoiseFieldLength || body.Reason?.Length > MaxNoiseFieldLength)
        {
            return (null, AdminProblems.BadRequest($"path, endpoint and reason are at most {MaxNoiseFieldLength} characters each."));
        }

        return (body, null);
    }

    private sealed record NoiseRequest(string? Path, string? Endpoint, string? Reason);
}

internal sealed record NoiseMarks(IReadOnlyList<NoiseMark> Marks);

/// <summary>The answer to a noise POST/DELETE: whether anything changed, and the marks now in force.</summary>
internal sealed record NoiseChange(bool Changed, IReadOnlyList<NoiseMark> Marks);
