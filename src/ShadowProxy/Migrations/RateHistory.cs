using ShadowProxy.Core.Storage;

namespace ShadowProxy.Migrations;

/// <summary>
/// The last hour of a migration's counters, one sample every <see cref="Interval"/>, so that a
/// dashboard opened during an incident shows the hour before it, not an empty chart. Bounded ring;
/// written by the controller's timer only.
/// </summary>
internal sealed class RateHistory
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan Span = TimeSpan.FromHours(1);

    private readonly RatePoint?[] _points = new RatePoint?[(int)(Span / Interval) + 1];
    private readonly Lock _gate = new();
    private int _next;
    private DateTimeOffset _last = DateTimeOffset.MinValue;

    /// <summary>Samples <paramref name="migration"/> when an interval has passed since the last sample.</summary>
    public void SampleIfDue(MigrationRuntime migration, DateTimeOffset now)
    {
        if (now - _last < Interval)
        {
            return;
        }

        var point = Sample(migration, now);
        lock (_gate)
        {
            _points[_next] = point;
            _next = (_next + 1) % _points.Length;
            _last = now;
        }
    }

    public static RatePoint Sample(MigrationRuntime migration, DateTimeOffset now)
    {
        var metrics = migration.Metrics;
        return new RatePoint(now, (long)metrics.LegacyServed, (long)metrics.CandidateServed, (long)metrics.Match.Value, (long)metrics.Diff.Value, (long)metrics.Noise.Value);
    }

    /// <summary>The samples of the last hour, oldest first.</summary>
    public IReadOnlyList<RatePoint> Points()
    {
        lock (_gate)
        {
            var result = new List<RatePoint>(_points.Length);
            for (var i = 0; i < _points.Length; i++)
            {
                if (_points[(_next + i) % _points.Length] is { } point)
                {
                    result.Add(point);
                }
            }

            return result;
        }
    }
}
