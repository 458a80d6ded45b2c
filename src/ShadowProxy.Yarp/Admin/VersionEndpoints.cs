using System.Text.Json;
using ShadowProxy.Configuration;
using ShadowProxy.Core.Ramp;
using ShadowProxy.Core.Storage;
using ShadowProxy.Core.Versions;
using ShadowProxy.Migrations;

namespace ShadowProxy.Admin;

/// <summary>
/// Candidate versions (docs/comparison.md#candidate-versions), relative to the <c>/api/v1</c> group: the list (Viewer) and the declaration of
/// the version now deployed, for candidates that do not name it in a response header (Operator, audited).
/// </summary>
internal static class VersionEndpoints
{
    public const string DeclareAction = "version-declare";

    public static RouteGroupBuilder MapVersionEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("migrations/{name}/versions", GetVersionsAsync);
        api.MapPost("migrations/{name}/versions", DeclareAsync).RequireRole(AdminRole.Operator);
        return api;
    }

    private static async Task<IResult> GetVersionsAsync(string name, MigrationRegistry registry, ISignalStore store, CancellationToken cancellationToken)
    {
        if (!registry.TryGet(name, out var migration))
        {
            return AdminProblems.UnknownMigration(name);
        }

        var counts = await store.ReadVersionCountsAsync(migration.Name, cancellationToken).ConfigureAwait(false);
        var versions = counts.Versions
            .OrderByDescending(v => v.FirstSeen)
            .Select(v => new VersionView(v.Version, v.FirstSeen, v.LastSeen, v.Comparisons, v.DiffRate))
            .ToList();
        return Results.Ok(new VersionsView(versions, versions.FirstOrDefault()?.Version, migration.DeclaredVersion, migration.Current.Options.Candidate?.VersionHeader));
    }

    private static async Task<IResult> DeclareAsync(string name, HttpContext context, MigrationRegistry registry, ISignalStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!registry.TryGet(name, out var migration))
        {
            return AdminProblems.UnknownMigration(name);
        }

        if (!context.Request.HasJsonContentType())
        {
            return AdminProblems.BadRequest("Send the version as JSON (Content-Type: application/json), e.g. {\"version\": \"1.5\"}.");
        }

        DeclareRequest? request;
        try
        {
            request = await context.Request.ReadFromJsonAsync<DeclareRequest>(cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return AdminProblems.BadRequest("The body is not valid JSON: " + ex.Message);
        }

        if (CandidateVersion.Normalize(request?.Version) is not { } version)
        {
            return AdminProblems.BadRequest($"version is required: printable ASCII, 1 to {CandidateVersion.MaxLength} characters, e.g. {{\"version\": \"1.5\"}}.");
        }

        var actor = context.Actor();
        var audit = new AuditEntry
        {
            Time = time.GetUtcNow(),
            Migration = migration.Name,
            Actor = actor,
            Action = DeclareAction,
            From = "candidate version: " + (migration.DeclaredVersion ?? CandidateVersion.Unknown),
            To = "candidate version: " + version,
            Reason = request!.Reason,
            Trigger = AuditTrigger.Manual,
            Version = migration.Current.State.Version,
        };
        await store.DeclareVersionAsync(migration.Name, version, audit, cancellationToken).ConfigureAwait(false);
        migration.DeclareVersion(version);
        return Results.Ok(new DeclaredView(version));
    }

    private sealed record DeclareRequest(string? Version, string? Reason);
}

/// <param name="DiffRate">Comparisons with a difference that was not noise when compared, ÷ comparisons.</param>
internal sealed record VersionView(string Version, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, long Comparisons, double DiffRate);

/// <param name="Versions">Newest first (by first seen).</param>
/// <param name="Declared">The version declared through the API, used for comparisons whose response has no version header.</param>
internal sealed record VersionsView(IReadOnlyList<VersionView> Versions, string? Newest, string? Declared, string? VersionHeader);

internal sealed record DeclaredView(string Version);
