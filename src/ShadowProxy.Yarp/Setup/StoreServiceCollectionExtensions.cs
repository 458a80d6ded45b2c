using ShadowProxy.Configuration;
using ShadowProxy.Core.Replay;
using ShadowProxy.Core.Storage;
using ShadowProxy.Fleet;
using ShadowProxy.Health;
using ShadowProxy.Migrations;
using ShadowProxy.Storage;
using ShadowProxy.Storage.Redis;

namespace ShadowProxy.Setup;

internal static class StoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers the configured store as <see cref="IStateStore"/>, <see cref="IDiffStore"/> and <see cref="IReplayStore"/>, where the
    /// ramp state is saved (<see cref="IRampPersistence"/>: this store, or in fleet mode the fleet's by compare-and-set, with
    /// the <see cref="FleetCoordinator"/>), and the <see cref="DiffRecorder"/> (singleton and hosted service). Call before the
    /// migration controller and the comparison workers are registered: hosted services stop in reverse order, so the
    /// recorder then flushes after them.
    /// </summary>
    public static IServiceCollection AddShadowProxyStore(this IServiceCollection services, ShadowProxyOptions options)
    {
        switch (options.Store.Provider)
        {
            case StoreProvider.Sqlite:
                services.AddSingleton(sp => new SqliteStore(options.Store, sp.GetRequiredService<ILogger<SqliteStore>>(), sp.GetRequiredService<TimeProvider>()));
                services.AddSingleton<IStateStore>(sp => sp.GetRequiredService<SqliteStore>());
                services.AddSingleton<IDiffStore>(sp => sp.GetRequiredService<SqliteStore>());
                services.AddSingleton<IReplayStore>(sp => sp.GetRequiredService<SqliteStore>());
                services.AddSingleton<ISignalStore>(sp => sp.GetRequiredService<SqliteStore>());
                services.AddSingleton<ICounterStore>(sp => sp.GetRequiredService<SqliteStore>());
                services.AddSingleton<IEndpointStore>(sp => sp.GetRequiredService<SqliteStore>());
                services.AddSingleton<IRampPersistence>(sp => new LocalRampPersistence(sp.GetRequiredService<IStateStore>()));
                break;
            case StoreProvider.Redis:
                services.AddSingleton(sp => new RedisConnection(options.Store.Redis, sp.GetRequiredService<ILogger<RedisConnection>>()));
                services.AddSingleton(sp => new RedisStore(sp.GetRequiredService<RedisConnection>(), options.Store, sp.GetRequiredService<TimeProvider>()));
                services.AddSingleton<IStateStore>(sp => sp.GetRequiredService<RedisStore>());
                services.AddSingleton<IDiffStore>(sp => sp.GetRequiredService<RedisStore>());
                services.AddSingleton<IReplayStore>(sp => sp.GetRequiredService<RedisStore>());
                services.AddSingleton<ISignalStore>(sp => sp.GetRequiredService<RedisStore>());
                services.AddSingleton<ICounterStore>(sp => sp.GetRequiredService<RedisStore>());
                services.AddSingleton<IEndpointStore>(sp => sp.GetRequiredService<RedisStore>());

                // Registered (so started) before the migration controller: it subscribes before the controller restores.
                services.AddSingleton(sp => new FleetCoordinator(
                    sp.GetRequiredService<MigrationRegistry>(),
                    sp.GetRequiredService<RedisStore>(),
                    sp.GetRequiredService<ReadinessState>(),
                    sp.GetRequiredService<TimeProvider>(),
                    sp.GetRequiredService<ILogger<FleetCoordinator>>()));
                services.AddHostedService(sp => sp.GetRequiredService<FleetCoordinator>());
                services.AddSingleton<IRampPersistence>(sp => new FleetRampPersistence(sp.GetRequiredService<FleetCoordinator>()));
                break;
            default:
                throw new NotSupportedException($"{ShadowProxyOptions.SectionName}:Store:Provider: {options.Store.Provider} is not available in this build.");
        }

        services.AddSingleton(sp => new DiffRecorder(
            sp.GetRequiredService<IDiffStore>(),
            options,
            sp.GetRequiredService<ILogger<DiffRecorder>>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService(sp => sp.GetRequiredService<DiffRecorder>());
        return services;
    }
}
