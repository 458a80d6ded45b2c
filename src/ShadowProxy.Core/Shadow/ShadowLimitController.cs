using ShadowProxy.Core.Gates;

namespace ShadowProxy.Core.Shadow;

/// <summary>
/// The adaptive shadow budget of one migration (docs/configuration.md#shadow): how many shadows may be in flight so
/// that live traffic does not pay for them. Fed every tick with the primary's latencies and the
/// shadows' load; deterministic given its samples and <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// <para>
/// Input: the <b>primary's</b> p99 (what clients feel), never the shadow's own latency: a slow
/// candidate is no reason to shed shadows, a primary slowed by the memory, threads and I/O the
/// shadows hold is. The p99 is taken over windows of at least <see cref="ShadowLimitSettings.MinSamples"/>
/// responses and smoothed into a <i>recent</i> value (time constant 1 s).
/// </para>
/// <para>
/// Control law: Envoy's adaptive concurrency (gradient) controller, with the primary's latency as the
/// gradient's input. When the recent p99 exceeds the baseline by more than
/// <see cref="ShadowLimitSettings.Tolerance"/>, the limit becomes limit × tolerance ÷ (recent ÷ baseline),
/// never less than half at once; otherwise it grows by 4·√limit per second (quick from the floor,
/// gentle near the ceiling). It moves only while it is <i>in use</i> (shadows refused, or at least half
/// of it in flight): a limit far above what the candidate holds open constrains nothing, so latency
/// noise cannot walk it down and a fast candidate keeps every pair.
/// </para>
/// <para>
/// The baseline is where a gradient controller goes wrong for background traffic: Gradient2's
/// long-term average drifts up with the latency the shadows cause, until the controller accepts it.
/// Here, as Envoy re-measures its minimum RTT and LEDBAT++ its base delay with periodic slowdowns,
/// a limit in use is pinned to the floor for <see cref="ShadowLimitSettings.ProbeDuration"/> every
/// <see cref="ShadowLimitSettings.ProbeInterval"/> (and <see cref="ShadowLimitSettings.FirstProbeDelay"/>
/// after it comes into use, say when the candidate turned slow); the primary's p99 in the probe's
/// second half becomes the baseline, up or down. Between probes the baseline follows the recent p99
/// both ways only while the limit is not in use (shadows are not held back: what the primary shows is
/// its normal) or at the floor (nothing left to shed); while it is in use above the floor it may only fall.
/// </para>
/// <para>
/// Consequence, by design: shadows that cost the primary latency without ever filling the limit (a
/// fast candidate on a saturated proxy costs CPU, not held-open exchanges) are part of the baseline.
/// The controller protects the primary from shadows held open (a slow or stalled candidate) and from
/// shadows that start to cost more; the CPU that shadows use is sized with <c>SamplePercent</c>.
/// </para>
/// </remarks>
public sealed class ShadowLimitController
{
    private readonly TimeProvider _time;
    private readonly long[] _window = new long[LatencyHistogram.BucketCount];
    private readonly long[] _probe = new long[LatencyHistogram.BucketCount];
    private ShadowLimitSettings _settings;
    private double _limit;
    private long _windowCount;
    private long _windowStart;
    private bool _windowInUse;
    private long _lastDecision;
    private long _nextProbe;
    private bool _wasInUse;
    private double _recent = double.NaN;
    private double _baseline = double.NaN;

    // A probe in progress: the limit to restore, when it started, and once the shadows sent before it
    // have ended, the span in which the primary is measured.
    private double _limitBeforeProbe = double.NaN;
    private long _probeStart;
    private long _probeMeasureFrom = long.MaxValue;
    private long _probeEnd = long.MaxValue;
    private long _probeCount;

    public ShadowLimitController(ShadowLimitSettings settings, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _time = time;
        _settings = Validate(settings);
        _limit = settings.MaxLimit;
        _windowStart = _lastDecision = time.GetTimestamp();
    }

    /// <summary>Shadows allowed in flight now.</summary>
    public int Limit => (int)Math.Round(_limit);

    /// <summary>True while a probe pins the limit to the floor to re-measure the baseline.</summary>
    public bool Probing => !double.IsNaN(_limitBeforeProbe);

    /// <summary>The primary's recent p99 (smoothed); null before the first decision.</summary>
    public TimeSpan? RecentP99 => double.IsNaN(_recent) ? null : TimeSpan.FromTicks((long)_recent);

    /// <summary>The p99 the primary shows when shadows are not held back; null before the first decision.</summary>
    public TimeSpan? BaselineP99 => double.IsNaN(_baseline) ? null : TimeSpan.FromTicks((long)_baseline);

    /// <summary>New bounds (a configuration reload): the limit is kept within them, the learned latencies stay.</summary>
    public void Reconfigure(ShadowLimitSettings settings)
    {
        _settings = Validate(settings);
        _limit = Math.Clamp(_limit, settings.MinLimit, settings.MaxLimit);
        if (Probing)
        {
            _limitBeforeProbe = Math.Clamp(_limitBeforeProbe, settings.MinLimit, settings.MaxLimit);
        }
    }

    /// <summary>
    /// One tick: the primary's latencies since the last one (bucket counts in the
    /// <see cref="LatencyHistogram"/> layout) and the shadows' load. Returns the limit in force.
    /// </summary>
    public int Observe(ReadOnlySpan<long> primaryLatencies, ShadowLoad load)
    {
        var now = _time.GetTimestamp();
        var measuring = Probing && now >= _probeMeasureFrom;
        for (var i = 0; i < primaryLatencies.Length && i < _window.Length; i++)
        {
            _window[i] += primaryLatencies[i];
            _windowCount += primaryLatencies[i];
            if (measuring)
            {
                _probe[i] += primaryLatencies[i];
                _probeCount += primaryLatencies[i];
            }
        }

        if (Probing)
        {
            ContinueProbe(load, now);
            return Limit;
        }

        _windowInUse |= load.Refused > 0 || load.InFlight * 2 >= Limit;
        if (_windowCount < _settings.MinSamples && _time.GetElapsedTime(_windowStart, now) < _settings.MaxWindow)
        {
            return Limit;
        }

        if (_windowCount >= _settings.LowTrafficSamples)
        {
            Decide(LatencyHistogram.Percentile(_window, 99)!.Value.Ticks, _windowInUse, now);
        }

        ResetWindow(now);
        return Limit;
    }

    private void Decide(double p99, bool inUse, long now)
    {
        var settings = _settings;
        var seconds = Math.Min(_time.GetElapsedTime(_lastDecision, now).TotalSeconds, settings.MaxWindow.TotalSeconds);
        _lastDecision = now;
        if (double.IsNaN(_recent))
        {
            _recent = _baseline = p99;
            return;
        }

        _recent += (p99 - _recent) * Weight(seconds, settings.RecentTimeConstant);
        if (!inUse || _limit <= settings.MinLimit || _recent < _baseline)
        {
            _baseline += (_recent - _baseline) * Weight(seconds, settings.BaselineTimeConstant);
        }

        if (!inUse)
        {
            _wasInUse = false;
            return;
        }

        if (!_wasInUse)
        {
            _wasInUse = true;
            _nextProbe = now + Ticks(settings.FirstProbeDelay);
        }

        if (now >= _nextProbe && _limit > settings.MinLimit)
        {
            StartProbe(now);
            return;
        }

        var ratio = _recent / _baseline;
        if (ratio > settings.Tolerance)
        {
            _limit *= Math.Max(0.5, settings.Tolerance / ratio);
        }
        else
        {
            _limit += settings.GrowthPerSecond * Math.Sqrt(Math.Max(1, _limit)) * seconds;
        }

        _limit = Math.Clamp(_limit, settings.MinLimit, settings.MaxLimit);
    }

    private void StartProbe(long now)
    {
        _limitBeforeProbe = _limit;
        _limit = _settings.MinLimit;
        _probeStart = now;
        _probeMeasureFrom = _probeEnd = long.MaxValue;
        Array.Clear(_probe);
        _probeCount = 0;
    }

    private void ContinueProbe(ShadowLoad load, long now)
    {
        var settings = _settings;
        if (_probeMeasureFrom == long.MaxValue)
        {
            if (load.InFlight <= settings.MinLimit)
            {
                // The shadows sent before the probe have ended: measure in the probe's second half, or now.
                _probeMeasureFrom = Math.Max(now, _probeStart + (Ticks(settings.ProbeDuration) / 2));
                _probeEnd = _probeMeasureFrom + (Ticks(settings.ProbeDuration) / 2);
            }
            else if (now - _probeStart >= Ticks(settings.ProbeMaxDrain))
            {
                // Still held (a stalled candidate, until the shadows' timeout): the primary cannot be
                // seen without them now; keep the baseline and try again at the next probe.
                EndProbe(now, measured: false);
                return;
            }
        }

        if (now >= _probeEnd)
        {
            EndProbe(now, measured: true);
        }
    }

    private void EndProbe(long now, bool measured)
    {
        _nextProbe = now + Ticks(_settings.ProbeInterval);
        if (measured && _probeCount >= _settings.LowTrafficSamples)
        {
            // What the primary shows with the fewest shadows allowed: the baseline, up or down.
            _baseline = LatencyHistogram.Percentile(_probe, 99)!.Value.Ticks;
        }

        _limit = _limitBeforeProbe;
        _limitBeforeProbe = double.NaN;
        _lastDecision = now;
        ResetWindow(now);
    }

    private void ResetWindow(long now)
    {
        Array.Clear(_window);
        _windowCount = 0;
        _windowInUse = false;
        _windowStart = now;
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    // The share of the gap an exponential average closes in `seconds` with time constant `tau`.
    private static double Weight(double seconds, TimeSpan tau) => 1 - Math.Exp(-seconds / tau.TotalSeconds);

    private static ShadowLimitSettings Validate(ShadowLimitSettings settings)
    {
        if (settings.MinLimit < 0 || settings.MaxLimit < settings.MinLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), $"MinLimit {settings.MinLimit} and MaxLimit {settings.MaxLimit} must satisfy 0 <= min <= max.");
        }

        return settings;
    }
}
