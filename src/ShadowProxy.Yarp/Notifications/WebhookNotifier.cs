using System.Net;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using ShadowProxy.Configuration;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Notifications;
using ShadowProxy.Metrics;

namespace ShadowProxy.Notifications;

/// <summary>
/// Sends ramp decisions to the configured webhooks (docs/configuration.md#notifications). <see cref="Notify"/> never waits: it puts
/// the notification on a bounded queue (full: dropped and counted), so a slow or dead receiver can
/// never hold back a rollback. One background loop delivers them in order, to all subscribed webhooks
/// at once, each POST retried with exponential backoff (Polly) on transport errors, timeouts, 429 and
/// 5xx; a delivery that still fails is counted and logged by host (the URL may carry a secret).
/// </summary>
internal sealed partial class WebhookNotifier : BackgroundService
{
    public const int QueueCapacity = 1000;

    /// <summary>How long shutdown waits for queued notifications.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly IReadOnlyList<WebhookOptions> _webhooks;
    private readonly Channel<Notification> _queue;
    private readonly HttpMessageInvoker _http;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly Prometheus.Counter.Child _sent;
    private readonly Prometheus.Counter.Child _failed;
    private readonly Prometheus.Counter.Child _dropped;
    private readonly ILogger<WebhookNotifier> _logger;

    public WebhookNotifier(ShadowProxyOptions options, ProxyMetrics metrics, TimeProvider time, ILogger<WebhookNotifier> logger, RetryPolicy? retry = null)
    {
        _webhooks = options.Notifications.Webhooks;
        _logger = logger;
        _queue = Channel.CreateBounded<Notification>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _sent = metrics.Notifications.WithLabels("sent");
        _failed = metrics.Notifications.WithLabels("failed");
        _dropped = metrics.Notifications.WithLabels("dropped");

        // Webhooks go out to the internet (Slack): the system proxy settings apply, unlike backend calls.
        _http = new HttpMessageInvoker(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        });
        var policy = retry ?? RetryPolicy.Default;
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = policy.MaxRetries,
                Delay = policy.FirstDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(r => r.StatusCode == HttpStatusCode.TooManyRequests || (int)r.StatusCode >= 500),
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            })
            .AddTimeout(policy.AttemptTimeout)
            .Build();
    }

    /// <summary>How deliveries are retried; tests shorten it.</summary>
    public sealed record RetryPolicy(int MaxRetries, TimeSpan FirstDelay, TimeSpan AttemptTimeout)
    {
        /// <summary>4 attempts over about 7 s of backoff (1, 2, 4 s), 10 s each at most.</summary>
        public static RetryPolicy Default { get; } = new(3, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
    }

    public bool Enabled => _webhooks.Count > 0;

    /// <summary>Queues <paramref name="notification"/> for every webhook subscribed to its event; never blocks.</summary>
    public void Notify(Notification? notification)
    {
        if (notification is null || !_webhooks.Any(w => w.Events.Contains(notification.Event)))
        {
            return;
        }

        if (!_queue.Writer.TryWrite(notification))
        {
            _dropped.Inc(_webhooks.Count(w => w.Events.Contains(notification.Event)));
            LogDropped(_logger, notification.Event.Name(), notification.Migration);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var notification in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await DeliverAsync(notification, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // What is queued (a rollback made just before shutdown) goes out if it can within DrainTimeout.
        _queue.Writer.TryComplete();
        if (ExecuteTask is { } running)
        {
            await Task.WhenAny(running, Task.Delay(DrainTimeout, cancellationToken)).ConfigureAwait(false);
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);

        // Whatever was queued when the loop stopped is lost with the process: counted, so nobody assumes it went out.
        while (_queue.Reader.TryRead(out var left))
        {
            _dropped.Inc(_webhooks.Count(w => w.Events.Contains(left.Event)));
        }

        _http.Dispose();
    }

    private Task DeliverAsync(Notification notification, CancellationToken cancellationToken) =>
        Task.WhenAll(_webhooks.Where(w => w.Events.Contains(notification.Event)).Select(w => PostAsync(w, notification, cancellationToken)));

    private async Task PostAsync(WebhookOptions webhook, Notification notification, CancellationToken cancellationToken)
    {
        var body = NotificationPayload.Render(notification, webhook.Format);
        try
        {
            using var response = await _pipeline.ExecuteAsync(async token =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                request.Headers.UserAgent.Add(new ProductInfoHeaderValue("ShadowProxy", "1.0"));
                return await _http.SendAsync(request, token).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);

            if (response.IsSuccessStatusCode)
            {
                _sent.Inc();
                return;
            }

            _failed.Inc();
            LogFailed(_logger, notification.Event.Name(), notification.Migration, webhook.Url.Host, $"HTTP {(int)response.StatusCode}", null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException)
        {
            _failed.Inc();
            LogFailed(_logger, notification.Event.Name(), notification.Migration, webhook.Url.Host, ex.GetType().Name, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _dropped.Inc();
        }
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Warning, Message = "Notification {Event} of {Migration} to {Host} failed after retries: {Failure}")]
    private static partial void LogFailed(ILogger logger, string @event, string migration, string host, string failure, Exception? exception);

    [LoggerMessage(EventId = 601, Level = LogLevel.Warning, Message = "Notification {Event} of {Migration} dropped: the notification queue is full")]
    private static partial void LogDropped(ILogger logger, string @event, string migration);
}
