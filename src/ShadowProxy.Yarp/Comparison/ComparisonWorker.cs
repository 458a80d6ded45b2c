using ShadowProxy.Core.Comparison;
using ShadowProxy.Migrations;
using ShadowProxy.Outcomes;
using ShadowProxy.Threading;

namespace ShadowProxy.Comparison;

/// <summary>
/// Drains the <see cref="ComparisonQueue"/> with a fixed number of workers, compares each pair and
/// hands the verdict to the <see cref="OutcomeRecorder"/>. Runs entirely off the client's path, on dedicated
/// low-priority threads (<see cref="DedicatedThread"/>): on a saturated machine comparisons yield to requests.
/// Everything a comparison calls is synchronous and queues no thread-pool work (see there why).
/// </summary>
internal sealed partial class ComparisonWorker(
    ComparisonQueue queue,
    OutcomeRecorder outcomes,
    ILogger<ComparisonWorker> logger) : BackgroundService
{
    public static int WorkerCount => Math.Max(1, Environment.ProcessorCount / 2);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, WorkerCount).Select(i => DedicatedThread.Run($"shadowproxy-compare-{i}", lowPriority: true, () => Drain(stoppingToken))));

    /// <summary>Compares until the queue completes or the host stops; blocks only its own (dedicated, low-priority) thread.</summary>
    private void Drain(CancellationToken stoppingToken)
    {
        var pending = queue.Pending;
        try
        {
            do
            {
                while (pending.TryDequeue(out var pair))
                {
                    using (pair.Exchange)
                    {
                        Process(pair.Migration, pair.Exchange);
                    }
                }
            }
            while (pending.WaitForItems(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Compares one pair and records the verdict; internal for the pipeline benchmark.</summary>
    internal void Process(MigrationRuntime migration, ShadowExchange exchange)
    {
        try
        {
            var comparer = migration.Comparer;
            var endpoint = migration.EndpointOf(exchange.Method, exchange.RouteTemplate, exchange.Path);
            var result = comparer.Compare(exchange.Legacy, exchange.Candidate, endpoint);
            outcomes.Compared(migration, exchange, endpoint, result);

            if (exchange.Probe is { } probe)
            {
                // Legacy against legacy: where it disagrees with itself (docs/comparison.md#the-noise-probe). Never a comparison: no counter, no gate.
                var pair = comparer.Engine.Compare(exchange.Legacy, probe);
                migration.Probe.RecordPair(endpoint, pair.Differences.Select(d => d.Path));
            }
        }
        catch (Exception ex)
        {
            // A comparison must never take the worker down with it.
            LogComparisonFailed(logger, migration.Name, ex);
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Error, Message = "Comparison for {Migration} failed")]
    private static partial void LogComparisonFailed(ILogger logger, string migration, Exception exception);
}
