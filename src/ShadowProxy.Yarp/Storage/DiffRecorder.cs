using ShadowProxy.Configuration;
using ShadowProxy.Core.Storage;
using ShadowProxy.Threading;

namespace ShadowProxy.Storage;

/// <summary>
/// Takes comparison records from the comparison workers without ever blocking them, and writes them
/// to the <see cref="IDiffStore"/> in batches from one background task. A full queue drops (and
/// counts); a failing store is logged (rate-limited) and counted, never thrown back.
/// </summary>
internal sealed partial class DiffRecorder : BackgroundService
{
    public const int DefaultCapacity = 10_000;
    public const int MaxBatch = 500;

    /// <summary>How long a batch waits for more records before it is written anyway.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>How long stopping may spend writing what is still queued.</summary>
    public static readonly TimeSpan ShutdownFlushTimeout = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan ErrorLogInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CoverageRefreshInterval = TimeSpan.FromSeconds(10);

    private readonly IDiffStore _store;
    private readonly ILogger<DiffRecorder> _logger;
    private readonly TimeProvider _time;
    private readonly HandOffQueue<ComparisonRecord> _queue;
    private readonly SampleCoverageView _coverage;
    private long _recorded;
    private long _dropped;
    private long _written;
    private long _storeErrors;
    private long _lastErrorLog;
    private long _lastCoverageRefresh;
    private int _suppressedErrors;
    private List<ComparisonRecord>? _unwritten;

    public DiffRecorder(IDiffStore store, ShadowProxyOptions options, ILogger<DiffRecorder> logger, TimeProvider time, int capacity = DefaultCapacity)
    {
        _store = store;
        _logger = logger;
        _time = time;
        _coverage = new SampleCoverageView(options.Store.Limits(), options.Migrations.Count);
        _queue = new HandOffQueue<ComparisonRecord>(capacity);
    }

    /// <summary>Records accepted into the queue.</summary>
    public long Recorded => Interlocked.Read(ref _recorded);

    /// <summary>Records refused because the queue was full (or the recorder stopped).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Records the store accepted.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Store calls that failed (batches lost or coverage not refreshed).</summary>
    public long StoreErrors => Interlocked.Read(ref _storeErrors);

    /// <summary>Queues <paramref name="record"/>; false (and counted) when the queue is full. Never blocks.</summary>
    public bool TryRecord(ComparisonRecord record)
    {
        if (!_queue.TryEnqueue(record))
        {
            Interlocked.Increment(ref _dropped);
            return false;
        }

        Interlocked.Increment(ref _recorded);
        _coverage.Count(record);
        return true;
    }

    /// <summary>
    /// True when <paramref name="path"/> (a non-noise difference path) still lacks samples, so that the
    /// caller copies and redacts a sample only when it may be kept.
    /// </summary>
    public bool WantsSample(string migration, string endpoint, string path) => _coverage.WantsSample(migration, endpoint, path);

    /// <summary>Stops the batching loop, then writes what is still queued (bounded by <see cref="ShutdownFlushTimeout"/>).</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Refuse new records first: what is queued now is all there is to flush.
        _queue.Complete();

        // The host may cancel ExecuteAsync before it ever ran, so the flush lives here, not in the loop.
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(ShutdownFlushTimeout);
        var batch = Interlocked.Exchange(ref _unwritten, null) ?? new List<ComparisonRecord>(MaxBatch);
        Fill(batch);
        while (batch.Count > 0 && !deadline.IsCancellationRequested)
        {
            await WriteBatchAsync(batch, deadline.Token).ConfigureAwait(false);
            batch.Clear();
            Fill(batch);
        }
    }

    // The loop runs on a thread of its own: a SQLite batch write is synchronous I/O, which must not hold a
    // thread-pool thread. At normal priority: a store write wakes async waiters (a state save waiting for
    // the store's write lock; Redis completions), and pool work queued from a low-priority thread could
    // leave a request-serving pool worker at its nice value (DedicatedThread).
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        DedicatedThread.Run("shadowproxy-diff-writer", lowPriority: false, () => WriteLoop(stoppingToken));

    private void WriteLoop(CancellationToken stoppingToken)
    {
        var batch = new List<ComparisonRecord>(MaxBatch);
        try
        {
            RefreshCoverageAsync(stoppingToken).GetAwaiter().GetResult();
            while (_queue.WaitForItems(stoppingToken))
            {
                Fill(batch);
                if (batch.Count < MaxBatch)
                {
                    Task.Delay(FlushInterval, _time, stoppingToken).GetAwaiter().GetResult();
                    Fill(batch);
                }

                // Not cancelled by stopping: a started write finishes, and its batch is not written twice.
                WriteBatchAsync(batch, CancellationToken.None).GetAwaiter().GetResult();
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Hand what was read but not written to StopAsync's flush.
            Volatile.Write(ref _unwritten, batch);
        }
    }

    private void Fill(List<ComparisonRecord> batch)
    {
        while (batch.Count < MaxBatch && _queue.TryDequeue(out var record))
        {
            batch.Add(record);
        }
    }

    private async Task WriteBatchAsync(List<ComparisonRecord> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            var result = await _store.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _written, batch.Count);
            if (result.SamplesEvicted > 0 && _time.GetElapsedTime(_lastCoverageRefresh) >= CoverageRefreshInterval)
            {
                // Evicted paths may take samples again: relearn which, now and then.
                await RefreshCoverageAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // Including a flush cut short at shutdown: the batch is lost either way, and counted.
            OnStoreError(ex, batch.Count);
        }
    }

    private async Task RefreshCoverageAsync(CancellationToken cancellationToken)
    {
        try
        {
            _coverage.Reset(await _store.ReadSampleCoverageAsync(cancellationToken).ConfigureAwait(false));
            _lastCoverageRefresh = _time.GetTimestamp();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            OnStoreError(ex, 0);
        }
    }

    private void OnStoreError(Exception exception, int records)
    {
        Interlocked.Increment(ref _storeErrors);
        var now = _time.GetTimestamp();
        if (_lastErrorLog != 0 && _time.GetElapsedTime(_lastErrorLog, now) < ErrorLogInterval)
        {
            _suppressedErrors++;
            return;
        }

        LogStoreFailed(_logger, records, _suppressedErrors, exception);
        _suppressedErrors = 0;
        _lastErrorLog = now;
    }

    [LoggerMessage(EventId = 310, Level = LogLevel.Error, Message = "Diff store write of {Records} records failed ({Suppressed} similar failures not logged since the last one)")]
    private static partial void LogStoreFailed(ILogger logger, int records, int suppressed, Exception exception);
}
