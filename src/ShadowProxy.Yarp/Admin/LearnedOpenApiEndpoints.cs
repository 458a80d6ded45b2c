using ShadowProxy.Core.OpenApi;
using ShadowProxy.Migrations;

namespace ShadowProxy.Admin;

/// <summary>
/// <c>GET /api/v1/migrations/{name}/openapi</c> (Viewer, docs/openapi.md): the OpenAPI 3.1 document of the legacy
/// backend as observed: the endpoints of the inventory (fleet-wide), described with the schemas this instance's
/// <see cref="SchemaCollector"/> inferred, examples redacted by the migration's rules in force. Not to be confused
/// with <see cref="AdminOpenApi"/>, the admin API's own document.
/// </summary>
internal static class LearnedOpenApiEndpoints
{
    public static RouteGroupBuilder MapLearnedOpenApiEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("migrations/{name}/openapi", async (string name, MigrationRegistry registry, EndpointKeeper keeper, SchemaCollector collector, CancellationToken cancellationToken) =>
        {
            if (!registry.TryGet(name, out var migration))
            {
                return AdminProblems.UnknownMigration(name);
            }

            var inventory = await keeper.InventoryAsync(migration, cancellationToken).ConfigureAwait(false);
            SchemaPruner.Prune(collector, migration);
            var observed = inventory.Select(e => new ObservedEndpoint(e.Method, e.Template)
            {
                QueryParameters = [.. e.QueryParameters.Select(q => new ObservedQueryParameter(q.Name, Always: q.Count >= e.Requests))],
                Statuses = [.. e.Statuses.Select(s => s.Status)],
            }).ToList();
            var document = OpenApiDocumentBuilder.Build(migration.Name, collector.Shapes(migration.Name), observed, migration.Comparer.Redactor);
            return Results.Text(OpenApiDocumentBuilder.ToJson(document), "application/json; charset=utf-8");
        });
        return api;
    }
}
