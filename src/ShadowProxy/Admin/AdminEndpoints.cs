using Prometheus;
using ShadowProxy.Health;
using ShadowProxy.Metrics;
using ShadowProxy.Replay;
using ShadowProxy.Storage;

namespace ShadowProxy.Admin;

/// <summary>The admin listener's endpoints (docs/admin-api.md). Mapped in a branch that only admin listeners reach.</summary>
internal static class AdminEndpoints
{
    public static void Configure(IApplicationBuilder admin)
    {
        admin.UseMiddleware<AdminGuard>();
        admin.UseRouting();
        admin.Use(AdminAuthorization.InvokeAsync);
        admin.UseEndpoints(endpoints =>
        {
            var metrics = endpoints.ServiceProvider.GetRequiredService<ProxyMetrics>();
            endpoints.MapShadowProxyHealthChecks();
            endpoints.MapMetrics("/metrics", metrics.Registry);
            endpoints.MapAdminOpenApi();
            Dashboard.DashboardEndpoints.Map(endpoints);

            var api = endpoints.MapGroup("/api/v1").RequireApiKey().AddEndpointFilter(StoreUnavailableAsync);
            api.MapMigrationEndpoints();
            api.MapReportEndpoints();
            api.MapInventoryEndpoints();
            api.MapLearnedOpenApiEndpoints();
            api.MapDiffEndpoints();
            api.MapNoiseEndpoints();
            api.MapExchangeEndpoints();
            api.MapVersionEndpoints();
            api.MapFallback(() => AdminProblems.NotFound("No such admin API endpoint; docs/admin-api.md lists them."));
        });
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
