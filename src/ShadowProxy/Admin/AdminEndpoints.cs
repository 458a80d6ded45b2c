using Prometheus;
using ShadowProxy.Metrics;
using ShadowProxy.Migrations;

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
            endpoints.MapGet("/api/v1/migrations", (MigrationRegistry registry) => Results.Ok(registry.All.Select(MigrationView.From)));
            endpoints.MapGet("/api/v1/migrations/{name}", (string name, MigrationRegistry registry) =>
                registry.TryGet(name, out var migration)
                    ? Results.Ok(MigrationView.From(migration))
                    : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown migration", detail: $"No migration is named '{name}'."));
        });
    }
}

/// <summary>A migration as the admin API shows it.</summary>
internal sealed record MigrationView(string Name, string Status, string Stage, decimal Weight, int ShadowInFlight, MigrationCounters Counters)
{
    public static MigrationView From(MigrationRuntime migration)
    {
        var snapshot = migration.Current;
        var metrics = migration.Metrics;
        return new MigrationView(
            migration.Name,
            snapshot.Status,
            snapshot.Stage,
            snapshot.Weight,
            migration.ShadowInFlight,
            new MigrationCounters((long)metrics.Match.Value, (long)metrics.Diff.Value, (long)metrics.Noise.Value));
    }
}

internal sealed record MigrationCounters(long Match, long Diff, long Noise);

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
