using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Endpoints;
using ShadowProxy.Core.Gates;
using ShadowProxy.Hosting;
using ShadowProxy.Migrations;

namespace ShadowProxy.Comparison;

/// <summary>
/// Drains the <see cref="ComparisonQueue"/> with a fixed number of workers, compares each pair and
/// hands the verdict to the sinks. Runs entirely off the client's path, on dedicated low-priority
/// threads (<see cref="DedicatedThread"/>): on a saturated machine comparisons yield to requests.
/// Everything a comparison calls is synchronous and queues no thread-pool work (see there why).
/// </summary>
internal sealed partial class ComparisonWorker(
    ComparisonQueue queue,
    MigrationRegistry registry,
    IEnumerable<IComparisonSink> sinks,
    ILogger<ComparisonWorker> logger) : BackgroundService
{
    private readonly IComparisonSink[] _sinks = sinks.ToArray();

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
                while (pending.TryDequeue(out var exchange))
                {
                    using (exchange)
                    {
                        Process(exchange);
                    }
                }
            }
            while (pending.WaitForItems(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Compares one pair and hands the verdict to the sinks; internal for the pipeline benchmark.</summary>
    internal void Process(ShadowExchange exchange)
    {
        try
        {
            if (!registry.TryGet(exchange.Migration, out var migration))
            {
                return;
            }

            var comparer = migration.Comparer;
            var endpoint = EndpointTemplate.Create(exchange.Method, exchange.RouteTemplate, exchange.Path);
            var result = comparer.Engine.Compare(exchange.Legacy, exchange.Candidate, comparer.NoiseFor(endpoint));
            switch (result.Outcome)
            {
                case ComparisonOutcome.Match:
                    migration.Metrics.Match.Inc();
                    migration.RecordComparison(ComparisonTally.Match);
                    break;
                case ComparisonOutcome.Diff:
                    migration.Metrics.Diff.Inc();
                    migration.RecordComparison(GateSeverity.Tally(result, comparer.Engine.Severity, migration.Current.Options.Ramp.Gates.DiffSeverity));
                    break;
                default:
                    migration.Metrics.Noise.Inc();
                    migration.RecordComparison(ComparisonTally.Noise);
                    break;
            }

            foreach (var sink in _sinks)
            {
                sink.OnCompared(migration, exchange, endpoint, result);
            }
        }
        catch (Exception ex)
        {
            // A comparison must never take the worker down with it.
            LogComparisonFailed(logger, exchange.Migration, ex);
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Error, Message = "Comparison for {Migration} failed")]
    private static partial void LogComparisonFailed(ILogger logger, string migration, Exception exception);
}
