using ShadowProxy.Health;
using ShadowProxy.Metrics;

namespace ShadowProxy.Setup;

/// <summary>
/// At start: creates the metrics that only publish (the operational gauges, the runtime meter's export), which
/// nothing else asks for, and marks the instance started for <c>/readyz</c> once the host has started.
/// </summary>
internal sealed class ShadowProxyStartup(
    OperationalMetrics operational,
    RuntimeMeterExporter runtime,
    ReadinessState readiness,
    IHostApplicationLifetime lifetime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        GC.KeepAlive(operational);
        GC.KeepAlive(runtime);
        lifetime.ApplicationStarted.Register(readiness.MarkStarted);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
