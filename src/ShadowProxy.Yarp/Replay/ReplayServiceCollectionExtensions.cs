using ShadowProxy.Outcomes;

namespace ShadowProxy.Replay;

internal static class ReplayServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="ReplayRecorder"/> as an outcome sink and a hosted service. Call after the store and
    /// before the comparison workers: hosted services stop in reverse order, so it flushes after the workers stopped.
    /// </summary>
    public static IServiceCollection AddReplayCorpus(this IServiceCollection services)
    {
        services.AddSingleton<ReplayRecorder>();
        services.AddSingleton<IOutcomeSink>(sp => sp.GetRequiredService<ReplayRecorder>());
        services.AddHostedService(sp => sp.GetRequiredService<ReplayRecorder>());
        return services;
    }
}
