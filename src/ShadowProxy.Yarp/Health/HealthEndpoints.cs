using System.Text;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ShadowProxy.Health;

/// <summary>
/// <c>/healthz</c> (liveness) and <c>/readyz</c> (readiness) on ASP.NET Core health checks, on the admin
/// listener, with no key (docs/admin-api.md#outside-apiv1-no-key-needed). The bodies are one line of plain text, as probes, the runbook and
/// <c>curl</c> users read them: <c>ok</c>; <c>starting</c>, <c>ready</c> or <c>degraded: why</c>.
/// </summary>
internal static class HealthEndpoints
{
    public const string LivenessPath = "/healthz";
    public const string ReadinessPath = "/readyz";

    private const string ReadinessTag = "ready";

    private static readonly Dictionary<HealthStatus, int> ProbeStatusCodes = new()
    {
        [HealthStatus.Healthy] = StatusCodes.Status200OK,
        // Degraded stays 200 (docs/architecture.md#fleet-mode): a load balancer must not pull every instance because the shared store is down.
        [HealthStatus.Degraded] = StatusCodes.Status200OK,
        [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
    };

    public static IServiceCollection AddShadowProxyHealthChecks(this IServiceCollection services)
    {
        services.AddSingleton<ReadinessState>();
        services.AddHealthChecks().AddCheck<ReadinessState>("readiness", tags: [ReadinessTag]);
        return services;
    }

    public static void MapShadowProxyHealthChecks(this IEndpointRouteBuilder endpoints)
    {
        // Liveness runs no check: the process answering is the signal, and a sick dependency must not get it restarted.
        endpoints.MapHealthChecks(LivenessPath, new HealthCheckOptions
        {
            Predicate = _ => false,
            ResultStatusCodes = ProbeStatusCodes,
            ResponseWriter = (context, _) => WriteAsync(context, "ok"),
        }).WithMetadata(new HttpMethodMetadata([HttpMethods.Get]));

        endpoints.MapHealthChecks(ReadinessPath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(ReadinessTag),
            ResultStatusCodes = ProbeStatusCodes,
            ResponseWriter = (context, report) => WriteAsync(context, string.Join("; ", report.Entries.Values.Select(e => e.Description))),
        }).WithMetadata(new HttpMethodMetadata([HttpMethods.Get]));
    }

    private static Task WriteAsync(HttpContext context, string text)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text + "\n", Encoding.UTF8);
    }
}
