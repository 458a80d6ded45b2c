using Prometheus;
using ShadowProxy.Health;
using ShadowProxy.Metrics;
using ShadowProxy.Replay;
using ShadowProxy.Storage;

namespace ShadowProxy.Admin;

/// <summary>The admin surface's endpoints (docs/admin-api.md), mapped below a prefix by <c>MapShadowProxyAdmin</c>.</summary>
internal static class AdminEndpoints
{
    public static void Map(IEndpointRouteBuilder admin)
    {
        var metrics = admin.ServiceProvider.GetRequiredService<ProxyMetrics>();
        admin.MapShadowProxyHealthChecks();
        admin.MapMetrics("/metrics", metrics.Registry);
        admin.MapAdminOpenApi();
        Dashboard.DashboardEndpoints.Map(admin);

        var api = admin.MapGroup("/api/v1")
            .RequireAuthorization(ShadowProxyPolicies.Viewer)
            .WithGroupName(AdminOpenApi.DocumentName)
            .AddEndpointFilter(StoreUnavailableAsync);
        api.MapMigrationEndpoints();
        api.MapReportEndpoints();
        api.MapInventoryEndpoints();
        api.MapLearnedOpenApiEndpoints();
        api.MapDiffEndpoints();
        api.MapNoiseEndpoints();
        api.MapExchangeEndpoints();
        api.MapVersionEndpoints();

        // Below /api/v1 an unknown path (or method) needs a key like any other before it is a 404.
        api.Map("{**path}", () => AdminProblems.NotFound("No such admin API endpoint; docs/admin-api.md lists them.")).ExcludeFromDescription();
    }

    /// <summary>Fleet mode: the shared store is unreachable → 503 problem+json saying so (docs/architecture.md#fleet-mode).</summary>
    private static async ValueTask<object?> StoreUnavailableAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (StoreUnavailableException ex)
        {
            return AdminProblems.Unavailable(ex.Message);
        }
    }
}
