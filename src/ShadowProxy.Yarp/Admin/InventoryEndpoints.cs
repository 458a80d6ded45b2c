using ShadowProxy.Core.Endpoints;
using ShadowProxy.Migrations;

namespace ShadowProxy.Admin;

/// <summary>docs/admin-api.md#endpoint-inventory: every endpoint a migration has seen, fleet-wide, with its coverage (Viewer).</summary>
internal static class InventoryEndpoints
{
    public static RouteGroupBuilder MapInventoryEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("migrations/{name}/endpoints", async (string name, MigrationRegistry registry, EndpointKeeper keeper, TimeProvider time, CancellationToken cancellationToken) =>
        {
            if (!registry.TryGet(name, out var migration))
            {
                return AdminProblems.UnknownMigration(name);
            }

            var endpoints = await keeper.InventoryAsync(migration, cancellationToken).ConfigureAwait(false);
            return Results.Ok(new EndpointInventoryView(migration.Name, time.GetUtcNow(), endpoints.Sum(e => e.Requests), migration.Endpoints.Learns, endpoints));
        });
        return api;
    }
}

/// <summary>The inventory of one migration: its endpoints, busiest first.</summary>
/// <param name="Learning">Whether templates are learned from traffic (<c>Endpoints:Learn</c>).</param>
internal sealed record EndpointInventoryView(string Migration, DateTimeOffset GeneratedAt, long Requests, bool Learning, IReadOnlyList<InventoryEntry> Endpoints);
