using ShadowProxy.Core.Storage;

namespace ShadowProxy.Migrations;

/// <summary>
/// The last hour of a migration's counters, one point every <see cref="Interval"/>, so that a dashboard
/// opened during an incident shows the hour before it, not an empty chart. The points live in the store
/// (fleet-wide, surviving restarts, see <see cref="SharedCounters"/>); this is the copy last read.
/// </summary>
internal sealed class RateHistory
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan Span = TimeSpan.FromHours(1);

    private IReadOnlyList<RatePoint> _points = [];

    /// <summary>Replaces the points with those just read from the store, oldest first.</summary>
    public void Replace(IReadOnlyList<RatePoint> points) => Volatile.Write(ref _points, points);

    /// <summary>The stored points of the last hour, oldest first.</summary>
    public IReadOnlyList<RatePoint> Points() => Volatile.Read(ref _points);

    /// <summary>The migration's fleet-wide totals now, as a point.</summary>
    public static RatePoint Sample(MigrationRuntime migration, DateTimeOffset now)
    {
        var totals = CounterTotals.Of(migration);
        return new RatePoint(now, totals.LegacyRequests, totals.CandidateRequests, totals.Match, totals.Diff, totals.Noise);
    }
}
