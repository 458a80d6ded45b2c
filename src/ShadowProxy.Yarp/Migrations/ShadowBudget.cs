using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Shadow;
using ShadowProxy.Metrics;

namespace ShadowProxy.Migrations;

/// <summary>
/// The shadow limit of one migration (docs/configuration.md#shadow): with <c>Shadow:Adaptive</c>, a
/// <see cref="ShadowLimitController"/> fed every tick (four times a second) with the
/// primary's latencies (recorded on the request path: one lock-free increment) and the shadows'
/// load; without it, <c>MaxInFlight</c>. The request path reads the limit with one volatile read.
/// </summary>
internal sealed class ShadowBudget
{
    private readonly LatencyAccumulator _primary = new();
    private readonly long[] _drained = new long[LatencyHistogram.BucketCount];
    private readonly MigrationMetrics _metrics;
    private readonly ShadowLimitController _controller;
    private readonly Lock _gate = new(); // ticks and reloads; never taken on the request path
    private volatile bool _adaptive;
    private int _limit;
    private long _refused;

    public ShadowBudget(ShadowOptions options, MigrationMetrics metrics, TimeProvider time)
    {
        _metrics = metrics;
        _controller = new ShadowLimitController(Settings(options), time);
        Apply(options);
    }

    /// <summary>Shadows allowed in flight now.</summary>
    public int Limit => Volatile.Read(ref _limit);

    /// <summary>A response of the primary, as the client got it (the request path).</summary>
    public void RecordPrimary(TimeSpan latency)
    {
        if (_adaptive)
        {
            _primary.Record(latency);
        }
    }

    /// <summary>A shadow refused because the limit was reached.</summary>
    public void CountRefused() => Interlocked.Increment(ref _refused);

    /// <summary>One sampling tick.</summary>
    public void Tick(int inFlight)
    {
        lock (_gate)
        {
            var refused = Interlocked.Exchange(ref _refused, 0);
            if (!_adaptive)
            {
                return;
            }

            Array.Clear(_drained);
            _primary.DrainInto(_drained);
            Publish(_controller.Observe(_drained, new ShadowLoad(inFlight, refused)));
            if (_controller.RecentP99 is { } recent && _controller.BaselineP99 is { } baseline)
            {
                _metrics.ShadowPrimaryP99Recent.Set(recent.TotalSeconds);
                _metrics.ShadowPrimaryP99Baseline.Set(baseline.TotalSeconds);
            }
        }
    }

    /// <summary>A configuration reload: new bounds, or adaptive switched on or off.</summary>
    public void Configure(ShadowOptions options)
    {
        lock (_gate)
        {
            Apply(options);
        }
    }

    private void Apply(ShadowOptions options)
    {
        var wasAdaptive = _adaptive;
        _adaptive = options.Adaptive;
        _controller.Reconfigure(Settings(options));
        if (options.Adaptive && !wasAdaptive)
        {
            // Samples recorded before adaptive was on are stale.
            _primary.DrainInto(_drained);
        }

        Publish(options.Adaptive ? _controller.Limit : options.MaxInFlight);
    }

    private void Publish(int limit)
    {
        Volatile.Write(ref _limit, limit);
        _metrics.ShadowLimit.Set(limit);
    }

    private static ShadowLimitSettings Settings(ShadowOptions options) =>
        new() { MinLimit = Math.Min(options.MinInFlight, options.MaxInFlight), MaxLimit = options.MaxInFlight };
}
