using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Endpoints;
using ShadowProxy.Core.Gates;
using ShadowProxy.Migrations;
using ShadowProxy.Threading;

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
            var result = comparer.Compare(exchange.Legacy, exchange.Candidate, endpoint);
            switch (result.Outcome)
            {
                case ComparisonOutcome.Match:
                    migration.Metrics.Match.Inc();
                    migration.RecordComparison(ComparisonTally.Match);
                    break;
                case ComparisonOutcome.Diff:
                    migration.Metrics.Diff.Inc();
                    RecordForGate(migration, endpoint, result, GateSeverity.Tally(result, comparer.Engine.Severity, migration.Current.Options.Ramp.Gates.DiffSeverity));
                    break;
                default:
                    migration.Metrics.Noise.Inc();
                    RecordForGate(migration, endpoint, result, ComparisonTally.Noise);
                    break;
            }

            foreach (var sink in _sinks)
            {
                sink.OnCompared(migration, exchange, endpoint, result);
            }

            if (exchange.Probe is { } probe)
            {
                // Legacy against legacy: where it disagrees with itself (SPEC §9). Never a comparison: no counter, no gate.
                var pair = comparer.Engine.Compare(exchange.Legacy, probe);
                migration.Probe.RecordPair(endpoint, pair.Differences.Select(d => d.Path));
            }
        }
        catch (Exception ex)
        {
            // A comparison must never take the worker down with it.
            LogComparisonFailed(logger, exchange.Migration, ex);
        }
    }

    /// <summary>
    /// A comparison with differences counts in the gate window by its signature (its differing paths), so that
    /// the diff-rate gate judges it by the noise rules in force when it evaluates. A list cut at MaxDifferences
    /// keeps its verdict: what was cut cannot be judged again. Paths below <c>Ramp:Gates:DiffSeverity</c> are left
    /// out (SPEC §16): they never count, whatever the noise rules say later.
    /// </summary>
    private static void RecordForGate(MigrationRuntime migration, string endpoint, ComparisonResult result, ComparisonTally tally)
    {
        if (result.DifferencesTruncated)
        {
            migration.RecordComparison(tally);
            return;
        }

        var severity = migration.Comparer.Engine.Severity;
        var threshold = migration.Current.Options.Ramp.Gates.DiffSeverity;
        var paths = new string[result.Differences.Count];
        for (var i = 0; i < paths.Length; i++)
        {
            var difference = result.Differences[i];

            // Noise by nature (a body cut at the same place on both sides) is noise under any rules.
            var noiseByNature = difference.IsNoise && difference.NoiseSource == Core.Noise.NoiseSource.Config && !migration.Comparer.IsNoiseNow(endpoint, difference.Path);
            paths[i] = noiseByNature || severity.Classify(difference.Path, difference.Kind, difference.Legacy, difference.Candidate) < threshold
                ? string.Empty
                : difference.Path;
        }

        var real = paths.Where(p => p.Length > 0);
        migration.RecordComparison(tally, new DiffSignature(endpoint, real, tally == ComparisonTally.Diff));
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Error, Message = "Comparison for {Migration} failed")]
    private static partial void LogComparisonFailed(ILogger logger, string migration, Exception exception);
}
