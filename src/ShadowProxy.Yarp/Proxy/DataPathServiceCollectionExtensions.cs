using ShadowProxy.Comparison;
using ShadowProxy.Core.Endpoints;
using ShadowProxy.Core.OpenApi;
using ShadowProxy.Outcomes;
using ShadowProxy.Shadow;
using Yarp.ReverseProxy.Configuration;

namespace ShadowProxy.Proxy;

/// <summary>The services of the data path: its steps (cohort, failover, shadow), the comparison queue and the outcome recorder with its sinks.</summary>
internal static class DataPathServiceCollectionExtensions
{
    /// <summary>
    /// Registers the data path. The comparison workers are the host's to add (after the services whose final
    /// flush must see their last comparisons), as are further <see cref="IOutcomeSink"/>s.
    /// </summary>
    public static IServiceCollection AddShadowDataPath(this IServiceCollection services)
    {
        services.AddSingleton<MigrationRouteFilter>();
        services.AddSingleton<IProxyConfigFilter>(sp => sp.GetRequiredService<MigrationRouteFilter>());
        services.AddSingleton<MigrationReferences>();
        services.AddSingleton<ClusterDestinations>();
        services.AddSingleton<ShadowTargets>();
        services.AddSingleton<CohortSelector>();
        services.AddSingleton<FailoverForwarder>();
        services.AddSingleton<ShadowHttpClients>();
        services.AddSingleton<ShadowDispatcher>();
        services.AddHostedService<ShadowBudgetTicker>();
        services.AddSingleton<ComparisonQueue>();
        services.AddSingleton<EndpointReport>();
        services.AddSingleton(_ => new SchemaCollector());
        services.AddSingleton<IEndpointSampleSink>(provider => provider.GetRequiredService<SchemaCollector>());
        services.AddSingleton<EndpointInventory>();

        // The sample sink (schema inference, above) is optional to the sampler: without one it copies nothing.
        services.AddSingleton(sp => new EndpointSampler(sp.GetRequiredService<EndpointInventory>(), sp.GetService<IEndpointSampleSink>()));
        services.AddSingleton<OutcomeRecorder>();
        services.AddSingleton<IOutcomeSink, DiffStoreSink>();
        return services;
    }
}
