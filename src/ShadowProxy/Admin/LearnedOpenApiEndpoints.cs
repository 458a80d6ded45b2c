using ShadowProxy.Core.OpenApi;
using ShadowProxy.Migrations;

namespace ShadowProxy.Admin;

/// <summary>
/// <c>GET /api/v1/migrations/{name}/openapi</c> (Viewer, docs/openapi.md): the OpenAPI 3.1 document of the legacy
/// backend as observed, from the schemas the <see cref="SchemaCollector"/> inferred, examples redacted by the
/// migration's rules in force. Not to be confused with <see cref="AdminOpenApi"/>, the admin API's own document.
/// </summary>
internal static class LearnedOpenApiEndpoints
{
    public static RouteGroupBuilder MapLearnedOpenApiEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("migrations/{name}/openapi", (string name, MigrationRegistry registry, SchemaCollector collector) =>
        {
            if (!registry.TryGet(name, out var migration))
            {
                return AdminProblems.UnknownMigration(name);
            }

            var document = OpenApiDocumentBuilder.Build(migration.Name, collector.Shapes(migration.Name), inventory: null, migration.Comparer.Redactor);
            return Results.Text(OpenApiDocumentBuilder.ToJson(document), "application/json; charset=utf-8");
        });
        return api;
    }
}
