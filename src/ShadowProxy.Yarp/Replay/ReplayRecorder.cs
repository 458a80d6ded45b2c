using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Replay;
using ShadowProxy.Migrations;
using ShadowProxy.Outcomes;
using ShadowProxy.Threading;

namespace ShadowProxy.Replay;

/// <summary>
/// Keeps the replay corpus (docs/admin-api.md#replay-corpus). As an outcome sink it sees every compared pair on a comparison worker,
/// off the client's path; the <see cref="CorpusSampler"/> picks the few worth keeping, which are redacted there
/// and queued. One background thread writes the queue to the <see cref="IReplayStore"/> in batches. Bounded: the
/// queue holds at most <see cref="Capacity"/> exchanges of at most two capped bodies each; when it is full, or the
/// store fails, exchanges are dropped and counted, never retried without limit.
/// </summary>
internal sealed partial class ReplayRecorder : BackgroundService, IOutcomeSink
{
    public const int Capacity = 256;
    public const int MaxBatch = 64;

    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan ShutdownFlushTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ErrorLogInterval = TimeSpan.FromSeconds(30);

    private readonly IReplayStore _store;
    private readonly CorpusSampler _sampler;
    private readonly ILogger<ReplayRecorder> _logger;
    private readonly TimeProvider _time;
    private readonly HandOffQueue<CorpusWrite> _queue = new(Capacity);
    private long _recorded;
    private long _skipped;
    private long _dropped;
    private long _written;
    private long _lastErrorLog;

    public ReplayRecorder(IReplayStore store, TimeProvider time, ILogger<ReplayRecorder> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _sampler = new CorpusSampler(time, CorpusSampler.DefaultInterval);
    }

    /// <summary>Exchanges queued for the corpus.</summary>
    public long Recorded => Interlocked.Read(ref _recorded);

    /// <summary>Exchanges picked but unfit as a reference (legacy failed, a body too large to keep whole).</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Exchanges lost: the queue was full or the store failed.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Exchanges the store accepted.</summary>
    public long Written => Interlocked.Read(ref _written);

    public void OnCompared(MigrationRuntime migration, ShadowExchange exchange, string endpoint, ComparisonResult result)
    {
        var options = migration.Current.Options;
        var keep = options.Replay.PerEndpoint;
        if (!_sampler.TryTake(exchange.Migration, endpoint, keep))
        {
            return;
        }

        var recorded = RecordedExchange.Capture(exchange, endpoint, migration.Comparer.Redactor, options.Diff.MaxDecodedBytes, out _);
        if (recorded is null)
        {
            Interlocked.Increment(ref _skipped);
        }
        else if (_queue.TryEnqueue(new CorpusWrite(exchange.Migration, keep, recorded)))
        {
            Interlocked.Increment(ref _recorded);
        }
        else
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Complete();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(ShutdownFlushTimeout);
        var batch = new List<CorpusWrite>(MaxBatch);
        while (Drain(batch) > 0 && !deadline.IsCancellationRequested)
        {
            await WriteAsync(batch, deadline.Token).ConfigureAwait(false);
        }
    }

    // Its own thread: a SQLite write is synchronous I/O, which must not hold a thread-pool thread.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        DedicatedThread.Run("shadowproxy-replay-writer", lowPriority: false, () =>
        {
            var batch = new List<CorpusWrite>(MaxBatch);
            try
            {
                while (_queue.WaitForItems(stoppingToken))
                {
                    // Let a burst (a fresh proxy filling its corpus) gather into one transaction.
                    Task.Delay(FlushInterval, _time, stoppingToken).GetAwaiter().GetResult();
                    while (Drain(batch) > 0)
                    {
                        WriteAsync(batch, CancellationToken.None).GetAwaiter().GetResult();
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // What is still queued is StopAsync's to flush.
            }
        });

    private int Drain(List<CorpusWrite> batch)
    {
        batch.Clear();
        while (batch.Count < MaxBatch && _queue.TryDequeue(out var write))
        {
            batch.Add(write);
        }

        return batch.Count;
    }

    private async Task WriteAsync(List<CorpusWrite> batch, CancellationToken cancellationToken)
    {
        try
        {
            await _store.WriteExchangesAsync(batch, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _written, batch.Count);
        }
        catch (Exception ex)
        {
            Interlocked.Add(ref _dropped, batch.Count);
            var now = _time.GetTimestamp();
            if (_lastErrorLog == 0 || _time.GetElapsedTime(_lastErrorLog, now) >= ErrorLogInterval)
            {
                _lastErrorLog = now;
                LogStoreFailed(_logger, batch.Count, ex);
            }
        }
    }

    [LoggerMessage(EventId = 330, Level = LogLevel.Warning, Message = "Replay corpus write of {Exchanges} exchanges failed; they are not kept (further failures within 30 s are not logged)")]
    private static partial void LogStoreFailed(ILogger logger, int exchanges, Exception exception);
}
