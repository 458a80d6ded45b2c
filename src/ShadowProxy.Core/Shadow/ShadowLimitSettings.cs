namespace ShadowProxy.Core.Shadow;

/// <summary>The tunables of <see cref="ShadowLimitController"/>; only the bounds are configuration keys.</summary>
public sealed record ShadowLimitSettings
{
    /// <summary>The floor (<c>Shadow:MinInFlight</c>): comparisons never stop entirely.</summary>
    public int MinLimit { get; init; } = 1;

    /// <summary>The ceiling (<c>Shadow:MaxInFlight</c>), and the limit at start.</summary>
    public int MaxLimit { get; init; } = 512;

    /// <summary>The primary's recent p99 may exceed its baseline by this factor before the limit falls.</summary>
    public double Tolerance { get; init; } = 1.05;

    /// <summary>Primary responses a decision needs; fewer wait for the next tick.</summary>
    public int MinSamples { get; init; } = 400;

    /// <summary>A window that has not reached <see cref="MinSamples"/> by then is judged with what it has (at least <see cref="LowTrafficSamples"/>) or dropped.</summary>
    public TimeSpan MaxWindow { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Below this many responses in <see cref="MaxWindow"/>, nothing is decided: too little traffic for shadows to cost it anything measurable.</summary>
    public int LowTrafficSamples { get; init; } = 50;

    /// <summary>Time constant of the recent p99 (an exponential average of the windows' p99).</summary>
    public TimeSpan RecentTimeConstant { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Time constant with which the baseline follows the recent p99 where it may (see the class remarks).</summary>
    public TimeSpan BaselineTimeConstant { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>While the limit is in use, it is pinned to the floor this often to re-measure the baseline.</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The first probe after the limit comes into use (a candidate that just turned slow) comes this soon.</summary>
    public TimeSpan FirstProbeDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a probe pins the limit to the floor at least. The primary is measured in its second half,
    /// and only once the shadows sent before the probe have ended (no more than the floor in flight).
    /// </summary>
    public TimeSpan ProbeDuration { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>A probe whose earlier shadows are still in flight after this long ends without measuring (they are stalled until their timeout).</summary>
    public TimeSpan ProbeMaxDrain { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Growth per second while in use and under tolerance: this times √limit (1 → 30 in ~2 s, 64 → 512 in ~4 s).</summary>
    public double GrowthPerSecond { get; init; } = 4;
}
