using System.Collections.Concurrent;
using ShadowProxy.Core.Endpoints;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Migrations;

/// <summary>
/// The live totals (<see cref="SharedTotals"/>) of a migration as last read from the store, with this
/// process's counters at that moment: shown = stored + (local now − local then), so what this process
/// counted since is never missing and nothing is counted twice.
/// </summary>
internal sealed record SharedTotals(IReadOnlyDictionary<string, long> Stored, IReadOnlyDictionary<string, long> LocalAtRead)
{
    public static readonly SharedTotals None = new(new Dictionary<string, long>(), new Dictionary<string, long>());

    public long Value(string key, long localNow) => Stored.GetValueOrDefault(key) + localNow - LocalAtRead.GetValueOrDefault(key);
}

/// <summary>A migration's live totals, fleet-wide: the stored ones plus what this process counted since.</summary>
internal sealed record CounterTotals(long LegacyRequests, long CandidateRequests, long Match, long Diff, long Noise, long Failovers)
{
    public static CounterTotals Of(MigrationRuntime migration)
    {
        var shared = migration.SharedTotals;
        var values = SharedCounters.LocalTotals(migration).Select(local => shared.Value(local.Key, local.Value)).ToArray();
        return new CounterTotals(values[0], values[1], values[2], values[3], values[4], values[5]);
    }
}

/// <summary>
/// Fleet-wide, durable counters (docs/architecture.md#fleet-mode): every <see cref="FlushInterval"/> each instance adds what it
/// counted since its last flush (live totals and the side-by-side report, aggregated in memory on the
/// way, as the gate windows are) to the store in one batch per migration, reads the totals back, and
/// every <see cref="RateHistory.Interval"/> stores a rate-history point (the first instance to reach a
/// time slot writes it). The admin API then shows the same numbers through every instance, and they
/// survive restarts, in both stores. Store traffic is bounded by the number of counters, not by traffic:
/// a few calls per migration per flush. A failed flush keeps its deltas for the next one.
/// </summary>
internal sealed partial class SharedCounters(
    MigrationRegistry registry,
    EndpointReport report,
    EndpointInventory inventory,
    ICounterStore store,
    TimeProvider time,
    ILogger<SharedCounters> logger) : BackgroundService
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(2);

    private static readonly int SlotsPerSpan = (int)(RateHistory.Span / RateHistory.Interval);

    private readonly ConcurrentDictionary<string, Flushed> _flushed = new(StringComparer.OrdinalIgnoreCase);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval, time);
        do
        {
            await FlushAllAsync(stoppingToken).ConfigureAwait(false);
        }
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);

        // What was counted since the last flush is kept for the next start (and for the fleet).
        await FlushAllAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One flush of every migration; public for tests.</summary>
    public async Task FlushAllAsync(CancellationToken cancellationToken)
    {
        foreach (var migration in registry.All)
        {
            try
            {
                await FlushAsync(migration, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFlushFailed(logger, migration.Name, ex.Message);
            }
        }
    }

    /// <summary>
    /// The report of <paramref name="migration"/> over every instance and since the first start: the
    /// store's counters plus what this process counted since its last flush.
    /// </summary>
    public async Task<IReadOnlyList<EndpointRow>> ReportAsync(MigrationRuntime migration, CancellationToken cancellationToken) =>
        EndpointReport.RowsFrom(await CountersAsync(migration, cancellationToken).ConfigureAwait(false), migration.Endpoints.Rename);

    /// <summary>
    /// Every counter of <paramref name="migration"/> over every instance and since the first start (totals, report,
    /// inventory): the store's plus what this process counted since its last flush.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>> CountersAsync(MigrationRuntime migration, CancellationToken cancellationToken)
    {
        var stored = await store.ReadCountersAsync(migration.Name, null, cancellationToken).ConfigureAwait(false);
        var merged = new Dictionary<string, long>(stored, StringComparer.Ordinal);
        foreach (var (key, delta) in CounterKeys.Deltas(Local(migration), Last(migration.Name).Counters))
        {
            merged[key] = merged.GetValueOrDefault(key) + delta;
        }

        return merged;
    }

    /// <summary>This process's cumulative counters of <paramref name="migration"/>: live totals, report and inventory tallies.</summary>
    public Dictionary<string, long> Local(MigrationRuntime migration)
    {
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, value) in LocalTotals(migration))
        {
            if (value != 0)
            {
                counters[key] = value;
            }
        }

        report.ExportCounters(migration.Name, counters);
        inventory.ExportCounters(migration.Name, counters);
        return counters;
    }

    public static IEnumerable<KeyValuePair<string, long>> LocalTotals(MigrationRuntime migration)
    {
        var metrics = migration.Metrics;
        yield return new(CounterKeys.LegacyRequests, (long)metrics.LegacyServed);
        yield return new(CounterKeys.CandidateRequests, (long)metrics.CandidateServed);
        yield return new(CounterKeys.Match, (long)metrics.Match.Value);
        yield return new(CounterKeys.Diff, (long)metrics.Diff.Value);
        yield return new(CounterKeys.Noise, (long)metrics.Noise.Value);
        yield return new(CounterKeys.Failovers, (long)metrics.Failovers.Value);
    }

    private async Task FlushAsync(MigrationRuntime migration, CancellationToken cancellationToken)
    {
        var last = Last(migration.Name);
        var current = Local(migration);
        var deltas = CounterKeys.Deltas(current, last.Counters);
        if (deltas.Count > 0)
        {
            await store.AddCountersAsync(migration.Name, deltas, cancellationToken).ConfigureAwait(false);
            last = last with { Counters = current };
            _flushed[migration.Name] = last;
        }

        var totals = await store.ReadCountersAsync(migration.Name, CounterKeys.TotalKeys, cancellationToken).ConfigureAwait(false);
        migration.UpdateSharedTotals(new SharedTotals(totals, last.Counters));

        var now = time.GetUtcNow();
        var slot = now.ToUnixTimeMilliseconds() / (long)RateHistory.Interval.TotalMilliseconds;
        if (slot != last.HistorySlot)
        {
            await store.AddRatePointAsync(migration.Name, slot, RateHistory.Sample(migration, now), RateHistory.Span, cancellationToken).ConfigureAwait(false);
            migration.History.Replace(await store.ReadRatePointsAsync(migration.Name, slot - SlotsPerSpan, slot, cancellationToken).ConfigureAwait(false));
            _flushed[migration.Name] = last with { HistorySlot = slot };
        }
    }

    private Flushed Last(string migration) => _flushed.GetValueOrDefault(migration) ?? Flushed.Nothing;

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>What this process has added to the store so far, and the last history slot it sampled.</summary>
    private sealed record Flushed(IReadOnlyDictionary<string, long> Counters, long HistorySlot)
    {
        public static readonly Flushed Nothing = new(new Dictionary<string, long>(), -1);
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Warning, Message = "Shared counters of {Migration} not flushed, kept for the next flush: {Reason}")]
    private static partial void LogFlushFailed(ILogger logger, string migration, string reason);
}
