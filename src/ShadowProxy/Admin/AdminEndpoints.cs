using Prometheus;
using ShadowProxy.Metrics;
using ShadowProxy.Replay;
using ShadowProxy.Storage;

namespace ShadowProxy.Admin;

/// <summary>The admin listener's endpoints (SPEC §5). Mapped in a branch that only admin listeners reach.</summary>
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
            endpoints.MapGet("/healthz", () => Results.Text("ok\n"));
            endpoints.MapGet("/readyz", (ReadinessState readiness) => readiness.IsReady
                ? Results.Text(readiness.Describe() + "\n")
                : Results.Text(readiness.Describe() + "\n", statusCode: StatusCodes.Status503ServiceUnavailable));
            endpoints.MapMetrics("/metrics", metrics.Registry);
            endpoints.MapAdminOpenApi();
            Dashboard.DashboardEndpoints.Map(endpoints);

            var api = endpoints.MapGroup("/api/v1").RequireApiKey().AddEndpointFilter(StoreUnavailableAsync);
            api.MapMigrationEndpoints();
            api.MapDiffEndpoints();
            api.MapExchangeEndpoints();
            api.MapVersionEndpoints();
            api.MapFallback(() => AdminProblems.NotFound("No such admin API endpoint; see SPEC §5 for the list."));
        });
    }

    /// <summary>Fleet mode: the shared store is unreachable → 503 problem+json saying so (SPEC §8).</summary>
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

/// <summary>What <c>/readyz</c> reports: ready once listening; degraded (still 200) when the store is unreachable.</summary>
internal sealed class ReadinessState
{
    private volatile bool _started;
    private volatile string? _degradedReason;
    private volatile string? _configurationProblem;

    public bool IsReady => _started;

    public void MarkStarted() => _started = true;

    public void SetDegraded(string? reason) => _degradedReason = reason;

    /// <summary>True while the shared store is unreachable or a change in force here is not yet written to it.</summary>
    public bool IsStoreDegraded => _degradedReason is not null;

    /// <summary>A rejected configuration reload; the data path still serves on the last good one.</summary>
    public void SetConfigurationProblem(string? problem) => _configurationProblem = problem;

    public string? ConfigurationProblem => _configurationProblem;

    public string Describe()
    {
        if (!_started)
        {
            return "starting";
        }

        var problems = new[] { _degradedReason, _configurationProblem }.Where(p => p is not null).ToList();
        return problems.Count == 0 ? "ready" : "degraded: " + string.Join("; ", problems);
    }
}
