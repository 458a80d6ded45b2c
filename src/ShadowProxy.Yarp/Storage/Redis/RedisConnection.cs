using ShadowProxy.Configuration;
using StackExchange.Redis;

namespace ShadowProxy.Storage.Redis;

/// <summary>
/// The one multiplexer of the process, with the key names of fleet mode (docs/architecture.md#fleet-mode) under <see cref="RedisStoreOptions.KeyPrefix"/>.
/// It never blocks start-up on an unreachable Redis: the multiplexer keeps reconnecting in the background,
/// and commands fail fast (no backlog) while it is down, so that callers can answer 503 at once.
/// </summary>
internal sealed partial class RedisConnection : IAsyncDisposable
{
    private readonly ILogger<RedisConnection> _logger;
    private volatile string? _lastFailure;

    public RedisConnection(RedisStoreOptions options, ILogger<RedisConnection> logger)
    {
        _logger = logger;
        Prefix = options.KeyPrefix;
        var configuration = ConfigurationOptions.Parse(options.Configuration);
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ConnectTimeout = Math.Min(configuration.ConnectTimeout, 2000);
        configuration.SyncTimeout = Math.Min(configuration.SyncTimeout, 2000);
        configuration.AsyncTimeout = Math.Min(configuration.AsyncTimeout, 2000);
        configuration.ReconnectRetryPolicy = new LinearRetry(250);
        configuration.ClientName ??= "shadowproxy";
        Endpoint = string.Join(",", configuration.EndPoints.Select(e => e.ToString()));
        Multiplexer = ConnectionMultiplexer.Connect(configuration);
        Multiplexer.ConnectionFailed += (_, e) =>
        {
            _lastFailure = $"{e.FailureType} ({e.Exception?.Message ?? "no detail"})";
            LogConnectionFailed(_logger, Endpoint, e.FailureType.ToString(), e.Exception);
        };
        Multiplexer.ConnectionRestored += (_, _) => LogConnectionRestored(_logger, Endpoint);
    }

    public ConnectionMultiplexer Multiplexer { get; }

    public IDatabase Database => Multiplexer.GetDatabase();

    public string Prefix { get; }

    /// <summary>host:port of the configured server(s), for messages.</summary>
    public string Endpoint { get; }

    public bool IsConnected => Multiplexer.IsConnected;

    /// <summary>Why the store is unreachable, for /readyz and 503 details.</summary>
    public string Unreachable => $"Redis at {Endpoint} is unreachable" + (_lastFailure is { } failure ? ": " + failure : string.Empty);

    public RedisKey Key(string name) => Prefix + name;

    public RedisChannel Channel(string name) => RedisChannel.Literal(Prefix + name);

    /// <summary>Runs <paramref name="work"/>, turning an unreachable Redis into <see cref="StoreUnavailableException"/>.</summary>
    public async Task<T> RunAsync<T>(Func<IDatabase, Task<T>> work)
    {
        if (!IsConnected)
        {
            throw new StoreUnavailableException(Unreachable);
        }

        try
        {
            return await work(Database).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
        {
            throw new StoreUnavailableException($"{Unreachable}: {ex.Message}", ex);
        }
    }

    public async ValueTask DisposeAsync() => await Multiplexer.DisposeAsync().ConfigureAwait(false);

    [LoggerMessage(EventId = 400, Level = LogLevel.Warning, Message = "Redis {Endpoint}: connection failed ({FailureType}); serving with the last known state")]
    private static partial void LogConnectionFailed(ILogger logger, string endpoint, string failureType, Exception? exception);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Redis {Endpoint}: connection restored")]
    private static partial void LogConnectionRestored(ILogger logger, string endpoint);
}
