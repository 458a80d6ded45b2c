using ShadowProxy.Core.OpenApi;

namespace ShadowProxy.Migrations;

/// <summary>
/// Every <see cref="Interval"/>, drops the schema samples kept under endpoint names no longer in use (a path sampled
/// before its template was learned, <c>GET /products/SKU-1011</c> before <c>GET /products/{id}</c>), so that their
/// room in the <see cref="SchemaCollector"/>'s bounds goes to the endpoints as they are named now (docs/openapi.md#bounds).
/// </summary>
internal sealed class SchemaPruner(MigrationRegistry registry, SchemaCollector collector, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    /// <summary>One round over every migration; also run before a document is written.</summary>
    public static void Prune(SchemaCollector collector, MigrationRuntime migration) =>
        collector.Retain(migration.Name, endpoint => string.Equals(migration.Endpoints.Rename(endpoint), endpoint, StringComparison.Ordinal));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                foreach (var migration in registry.All)
                {
                    Prune(collector, migration);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
