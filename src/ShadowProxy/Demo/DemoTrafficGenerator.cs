using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace ShadowProxy.Demo;

/// <summary>
/// Light synthetic traffic for <c>--demo</c>: a bounded mix of the shop API's reads and an occasional order
/// creation, sent through the proxy by a pool of users so that cohorts stay sticky.
/// </summary>
internal sealed partial class DemoTrafficGenerator : BackgroundService
{
    public const double DefaultRequestsPerSecond = 20;
    public const int DefaultMaxConcurrency = 8;

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan FirstProbeDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxProbeDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly Uri _proxyAddress;
    private readonly ILogger<DemoTrafficGenerator> _logger;
    private readonly double _requestsPerSecond;
    private readonly int _maxConcurrency;
    private readonly HttpClient _client;
    private readonly SemaphoreSlim _slots;

    // Only the send loop draws from it, so it needs no locking.
    private readonly Random _random = new();

    private long _sent;
    private long _failed;
    private long _skipped;

    /// <param name="proxyAddress">The proxy's base address, e.g. <c>http://127.0.0.1:8080</c>.</param>
    /// <param name="requestsPerSecond">Target rate; ticks that find every slot busy are skipped, not queued.</param>
    /// <param name="maxConcurrency">Requests in flight at most.</param>
    public DemoTrafficGenerator(
        Uri proxyAddress,
        ILogger<DemoTrafficGenerator> logger,
        double requestsPerSecond = DefaultRequestsPerSecond,
        int maxConcurrency = DefaultMaxConcurrency)
    {
        ArgumentNullException.ThrowIfNull(proxyAddress);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(requestsPerSecond);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(requestsPerSecond, 1000);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxConcurrency);

        // Relative request paths resolve below the base only when it ends with a slash.
        _proxyAddress = proxyAddress.AbsolutePath.EndsWith('/') ? proxyAddress : new Uri(proxyAddress + "/");
        _logger = logger;
        _requestsPerSecond = requestsPerSecond;
        _maxConcurrency = maxConcurrency;
        _slots = new SemaphoreSlim(maxConcurrency, maxConcurrency);
        _client = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = ProbeTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            MaxConnectionsPerServer = maxConcurrency,

            // Sends Accept-Encoding, so the backends' gzip answers reach the proxy's diff engine.
            AutomaticDecompression = DecompressionMethods.All,
            UseProxy = false,
            UseCookies = false,
        })
        {
            BaseAddress = _proxyAddress,
            Timeout = RequestTimeout,
        };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("shadowproxy-demo-traffic/1.0");
    }

    /// <summary>Requests that got an answer below 500.</summary>
    public long RequestsSent => Interlocked.Read(ref _sent);

    /// <summary>Requests that failed: transport errors, timeouts and 5xx answers.</summary>
    public long RequestsFailed => Interlocked.Read(ref _failed);

    /// <summary>Ticks dropped because <c>maxConcurrency</c> requests were already in flight.</summary>
    public long RequestsSkipped => Interlocked.Read(ref _skipped);

    public override void Dispose()
    {
        _client.Dispose();
        _slots.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await WaitForProxyAsync(stoppingToken).ConfigureAwait(false);
            Log.Started(_logger, _requestsPerSecond, _proxyAddress);

            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / _requestsPerSecond));
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                if (!_slots.Wait(0, stoppingToken))
                {
                    Interlocked.Increment(ref _skipped);
                    continue;
                }

                // Not awaited: the rate must not depend on latency. SendAsync never throws and releases the slot.
                _ = SendAsync(DemoTrafficMix.NextRequest(_random), stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
        catch (Exception ex)
        {
            Log.Faulted(_logger, ex);
        }
        finally
        {
            await DrainAsync().ConfigureAwait(false);
            Log.Stopped(_logger, RequestsSent, RequestsFailed, RequestsSkipped);
        }
    }

    /// <summary>Polls the proxy with backoff until it answers at all (any status counts).</summary>
    private async Task WaitForProxyAsync(CancellationToken stoppingToken)
    {
        var delay = FirstProbeDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                timeout.CancelAfter(ProbeTimeout);
                using var response = await _client.GetAsync("api/health", HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !stoppingToken.IsCancellationRequested)
            {
                if (attempt == 1)
                {
                    Log.WaitingForProxy(_logger, _proxyAddress);
                }

                Log.ProbeFailed(_logger, _proxyAddress, ex.Message);
            }

            await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxProbeDelay.Ticks));
        }
    }

    private async Task SendAsync(DemoTrafficMix.DemoRequest request, CancellationToken stoppingToken)
    {
        try
        {
            using var message = new HttpRequestMessage(request.Method, request.Path);
            message.Headers.Add(DemoTrafficMix.UserIdHeader, DemoTrafficMix.UserId(request.User));
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", DemoTrafficMix.Token(request.User));
            if (request.JsonBody is not null)
            {
                message.Content = new StringContent(request.JsonBody, Encoding.UTF8, "application/json");
            }

            using var response = await _client.SendAsync(message, HttpCompletionOption.ResponseContentRead, stoppingToken).ConfigureAwait(false);
            if ((int)response.StatusCode >= 500)
            {
                Interlocked.Increment(ref _failed);
                Log.RequestFailed(_logger, request.Method, request.Path, "status " + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                Interlocked.Increment(ref _sent);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown: not a failure.
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref _failed);
            Log.RequestFailed(_logger, request.Method, request.Path, ex.Message);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Waits for in-flight requests (cancelled by then) to release their slots.</summary>
    private async Task DrainAsync()
    {
        for (var i = 0; i < _maxConcurrency; i++)
        {
            if (!await _slots.WaitAsync(DrainTimeout).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Demo traffic: waiting for the proxy at {ProxyAddress}")]
        public static partial void WaitingForProxy(ILogger logger, Uri proxyAddress);

        [LoggerMessage(2, LogLevel.Debug, "Demo traffic: the proxy at {ProxyAddress} does not answer yet: {Reason}")]
        public static partial void ProbeFailed(ILogger logger, Uri proxyAddress, string reason);

        [LoggerMessage(3, LogLevel.Information, "Demo traffic: sending about {RequestsPerSecond} requests/s to {ProxyAddress}")]
        public static partial void Started(ILogger logger, double requestsPerSecond, Uri proxyAddress);

        [LoggerMessage(4, LogLevel.Debug, "Demo traffic: {Method} {Path} failed: {Reason}")]
        public static partial void RequestFailed(ILogger logger, HttpMethod method, string path, string reason);

        [LoggerMessage(5, LogLevel.Error, "Demo traffic stopped on an unexpected error")]
        public static partial void Faulted(ILogger logger, Exception exception);

        [LoggerMessage(6, LogLevel.Information, "Demo traffic stopped: {Sent} answered, {Failed} failed, {Skipped} skipped")]
        public static partial void Stopped(ILogger logger, long sent, long failed, long skipped);
    }
}
