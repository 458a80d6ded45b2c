using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ShadowProxy.Health;

/// <summary>
/// What <c>/readyz</c> reports (docs/admin-api.md#outside-apiv1-no-key-needed): starting (503) until the host has started; then ready, or
/// degraded (still 200: the data path works) while the store is unreachable or a configuration reload
/// was refused, saying why in the body.
/// </summary>
internal sealed class ReadinessState : IHealthCheck
{
    private volatile bool _started;
    private volatile string? _degradedReason;
    private volatile string? _configurationProblem;

    public void MarkStarted() => _started = true;

    public void SetDegraded(string? reason) => _degradedReason = reason;

    /// <summary>True while the shared store is unreachable or a change in force here is not yet written to it.</summary>
    public bool IsStoreDegraded => _degradedReason is not null;

    /// <summary>A rejected configuration reload; the data path still serves on the last good one.</summary>
    public void SetConfigurationProblem(string? problem) => _configurationProblem = problem;

    public string? ConfigurationProblem => _configurationProblem;

    /// <summary>Starting is Unhealthy (503), a problem Degraded (200), otherwise Healthy; the description is the body.</summary>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Check());

    private HealthCheckResult Check()
    {
        if (!_started)
        {
            return HealthCheckResult.Unhealthy("starting");
        }

        var problems = new[] { _degradedReason, _configurationProblem }.Where(p => p is not null).ToList();
        return problems.Count == 0 ? HealthCheckResult.Healthy("ready") : HealthCheckResult.Degraded("degraded: " + string.Join("; ", problems));
    }
}
