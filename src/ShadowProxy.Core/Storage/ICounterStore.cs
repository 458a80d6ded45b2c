namespace ShadowProxy.Core.Storage;

/// <summary>One sample of a migration's cumulative counters (fleet-wide in fleet mode), for rate charts.</summary>
public sealed record RatePoint(DateTimeOffset Time, long LegacyRequests, long CandidateRequests, long Match, long Diff, long Noise);

/// <summary>
/// Durable, shared counters (docs/architecture.md#fleet-mode): the live counters, the side-by-side report and the rate history,
/// added to by every instance and read the same through any. Instances aggregate in memory and add
/// their deltas in batches (see <see cref="CounterKeys"/> for the names); nothing here is on the request path.
/// </summary>
public interface ICounterStore
{
    /// <summary>Adds each delta to its counter (created at 0), all of one migration in one call.</summary>
    Task AddCountersAsync(string migration, IReadOnlyList<KeyValuePair<string, long>> deltas, CancellationToken cancellationToken = default);

    /// <summary>The counters of <paramref name="migration"/>: all of them, or only <paramref name="keys"/> (absent ones left out).</summary>
    Task<IReadOnlyDictionary<string, long>> ReadCountersAsync(string migration, IReadOnlyList<string>? keys = null, CancellationToken cancellationToken = default);

    /// <summary>Stores the point of its time slot unless one is stored already (the first instance to sample a slot wins); points older than <paramref name="keep"/> go.</summary>
    Task AddRatePointAsync(string migration, long slot, RatePoint point, TimeSpan keep, CancellationToken cancellationToken = default);

    /// <summary>Stored points of slots from <paramref name="fromSlot"/> on, oldest first.</summary>
    Task<IReadOnlyList<RatePoint>> ReadRatePointsAsync(string migration, long fromSlot, long toSlot, CancellationToken cancellationToken = default);
}
