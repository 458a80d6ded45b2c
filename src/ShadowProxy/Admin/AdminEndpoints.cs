using Prometheus;
using ShadowProxy.Metrics;

namespace ShadowProxy.Admin;

/// <summary>The admin listener's endpoints (SPEC §5). Mapped in a branch that only admin listeners reach.</summary>
internal static class AdminEndpoints
{
    public static void Configure(IApplicationBuilder admin)
    {
        admin.UseRouting();
        admin.UseEndpoints(endpoints =>
        {
            var metrics = endpoints.ServiceProvider.GetRequiredService<ProxyMetrics>();
            endpoints.MapGet("/healthz", () => Results.Text("ok\n"));
            endpoints.MapGet("/readyz", (ReadinessState readiness) => readiness.IsReady
                ? Results.Text(readiness.Describe() + "\n")
                : Results.Text(readiness.Describe() + "\n", statusCode: StatusCodes.Status503ServiceUnavailable));
            endpoints.MapMetrics("/metrics", metrics.Registry);
            Dashboard.DashboardEndpoints.Map(endpoints);

            var api = endpoints.MapGroup("/api/v1").AddEndpointFilter(AdminAuthorization.FilterAsync);
            api.MapMigrationEndpoints();
            api.MapDiffEndpoints();
            api.MapFallback(() => AdminProblems.NotFound("No such admin API endpoint; see SPEC §5 for the list."));
        });
    }
}

/// <summary>What <c>/readyz</c> reports: ready once listening; degraded (still 200) when the store is unreachable.</summary>
internal sealed class ReadinessState
{
    private volatile bool _started;
    private volatile string? _degradedReason;

    public bool IsReady => _started;

    public void MarkStarted() => _started = true;

    public void SetDegraded(string? reason) => _degradedReason = reason;

    public string Describe() => !_started ? "starting" : _degradedReason is null ? "ready" : "degraded: " + _degradedReason;
}
