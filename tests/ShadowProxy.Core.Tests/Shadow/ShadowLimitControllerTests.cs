using Microsoft.Extensions.Time.Testing;
using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Shadow;

namespace ShadowProxy.Core.Tests.Shadow;

/// <summary>
/// The adaptive shadow limit (docs/configuration.md#shadow) driven tick by tick (250 ms, as the host does) through models
/// of what shadows cost the primary: the controller only ever sees the primary's latencies and the
/// shadows' load, as in the proxy.
/// </summary>
public sealed class ShadowLimitControllerTests
{
    private const int Max = 512;
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    private const double BaseP99Ms = 3.0;

    [Fact]
    public void A_fast_candidate_that_never_fills_the_limit_keeps_every_pair_however_noisy_the_latency()
    {
        var sim = new Simulation(seed: 1);
        // ~30 shadows in flight of 512, p99 jumping ±40 % from tick to tick (a shared, busy machine).
        sim.Run(TimeSpan.FromMinutes(2), limit => new World(InFlight: 30, Refused: 0, P99Ms: BaseP99Ms * sim.Noise(0.4)));

        Assert.All(sim.Limits, limit => Assert.Equal(Max, limit));
    }

    [Fact]
    public void Shadows_held_open_that_slow_the_primary_are_cut_until_the_primary_is_within_tolerance()
    {
        var sim = new Simulation(seed: 2);
        // A slow candidate: every slot is taken (and more refused); each shadow held open adds to the
        // primary's tail: 512 of them make it 1.6 x (what the benchmark machine shows).
        sim.Run(TimeSpan.FromMinutes(2), limit => new World(limit, Refused: 100, P99Ms: HeldOpenCost(limit) * sim.Noise(0.05)));

        var settled = sim.Limits.Skip(sim.Limits.Count / 2).ToList();
        Assert.True(settled.Average(HeldOpenCost) <= 1.12 * BaseP99Ms, $"p99 {settled.Average(HeldOpenCost):F2} ms over the second minute");
        Assert.True(settled.Max() < Max / 2, $"limit up to {settled.Max()}");
        Assert.All(sim.Limits, limit => Assert.InRange(limit, 1, Max));
        // The floor holds: comparisons continue.
        Assert.True(settled.Average() >= 1);
    }

    [Fact]
    public void A_stalled_candidate_that_costs_the_primary_nothing_keeps_its_slots()
    {
        var sim = new Simulation(seed: 3);
        // Nothing ever completes: every slot is held until the shadow's timeout, the rest refused, and
        // the primary does not notice. A slow candidate is no reason to shed shadows.
        sim.Run(TimeSpan.FromMinutes(2), limit => new World(limit, Refused: 1_000, P99Ms: BaseP99Ms * sim.Noise(0.1)));

        var settled = sim.Limits.Skip(sim.Limits.Count / 2).ToList();
        Assert.True(settled.Average() >= Max * 0.6, $"average limit {settled.Average():F0}");
    }

    [Fact]
    public void A_stalled_candidate_whose_held_slots_slow_the_primary_is_held_at_the_floor_not_below()
    {
        var sim = new Simulation(seed: 4, minLimit: 4);
        // Each stalled shadow costs the primary a lot (held buffers, a shared database): 512 make it 5 x.
        sim.Run(TimeSpan.FromMinutes(1), limit => new World(limit, Refused: 1_000, P99Ms: BaseP99Ms * (1 + (4.0 * limit / Max)) * sim.Noise(0.05)));

        var last = sim.Limits.Skip(sim.Limits.Count * 3 / 4).ToList();
        Assert.All(sim.Limits, limit => Assert.True(limit >= 4, $"limit {limit} below the floor"));
        Assert.True(last.Average() <= 16, $"average limit {last.Average():F1} over the last quarter");
    }

    [Fact]
    public void Probes_wait_for_shadows_held_until_their_timeout_before_they_measure()
    {
        var sim = new Simulation(seed: 9, minLimit: 2);
        const int wanted = 2_500; // shadows a tick would send (10,000 requests a second)
        const int timeoutTicks = 20; // a stalled candidate: each shadow is held for its whole 5 s timeout
        var held = new Queue<(int Tick, int Count)>();
        var inFlight = 0;
        var tick = 0;
        var inFlightSeen = new List<int>();
        sim.Run(TimeSpan.FromMinutes(2), limit =>
        {
            tick++;
            while (held.Count > 0 && tick - held.Peek().Tick >= timeoutTicks)
            {
                inFlight -= held.Dequeue().Count;
            }

            var admitted = Math.Clamp(limit - inFlight, 0, wanted);
            if (admitted > 0)
            {
                held.Enqueue((tick, admitted));
                inFlight += admitted;
            }

            inFlightSeen.Add(inFlight);
            // Each held shadow costs the primary (512 of them: 5 x its p99).
            return new World(inFlight, Refused: wanted - admitted, P99Ms: BaseP99Ms * (1 + (4.0 * inFlight / Max)) * sim.Noise(0.05));
        });

        // A probe that measured while the earlier shadows were still held would take their cost for the
        // baseline and let the limit climb back; measured after they ended, it keeps the limit down.
        var lastHalf = inFlightSeen.Skip(inFlightSeen.Count / 2).ToList();
        Assert.True(lastHalf.Average() <= 40, $"on average {lastHalf.Average():F0} stalled shadows held in the second minute");
        Assert.All(sim.Limits, limit => Assert.True(limit >= 2, $"limit {limit} below the floor"));
    }

    [Fact]
    public void A_candidate_that_turns_slow_is_followed_within_seconds_and_back()
    {
        var sim = new Simulation(seed: 5);
        const int fastDemand = 30;
        World Fast(int limit) => new(Math.Min(limit, fastDemand), Refused: limit < fastDemand ? fastDemand - limit : 0, P99Ms: HeldOpenCost(Math.Min(limit, fastDemand)) * sim.Noise(0.05));
        World Slow(int limit) => new(limit, Refused: 100, P99Ms: HeldOpenCost(limit) * sim.Noise(0.05));

        sim.Run(TimeSpan.FromSeconds(30), Fast);
        Assert.Equal(Max, sim.Limits[^1]);

        var slowStart = sim.Limits.Count;
        sim.Run(TimeSpan.FromSeconds(30), Slow);
        var firstLow = sim.Limits.FindIndex(slowStart, limit => limit <= Max / 4);
        Assert.True(firstLow > 0, "the limit fell while the candidate was slow");
        Assert.True(firstLow - slowStart <= 24, $"the limit took {(firstLow - slowStart) * Tick.TotalSeconds} s to fall to a quarter");

        var fastAgain = sim.Limits.Count;
        sim.Run(TimeSpan.FromSeconds(30), Fast);
        var served = sim.Limits.FindIndex(fastAgain, limit => limit >= fastDemand);
        Assert.True(served > 0 && served - fastAgain <= 40, $"the limit grew back to the fast candidate's {fastDemand} in flight after {(served - fastAgain) * Tick.TotalSeconds} s");
        Assert.True(sim.Limits.Skip(sim.Limits.Count - 40).All(limit => limit >= fastDemand), "and stays there");
    }

    [Fact]
    public void A_primary_that_slows_down_by_itself_costs_shadows_only_for_a_while()
    {
        var sim = new Simulation(seed: 6);
        // Slots all in use, shadows cost nothing; then legacy itself becomes twice as slow.
        sim.Run(TimeSpan.FromSeconds(20), limit => new World(limit, Refused: 10, P99Ms: BaseP99Ms * sim.Noise(0.05)));
        sim.Run(TimeSpan.FromSeconds(60), limit => new World(limit, Refused: 10, P99Ms: 2 * BaseP99Ms * sim.Noise(0.05)));

        // The step is taken for the shadows' doing at first; at the floor the baseline learns the new
        // normal and the limit grows back, since fewer shadows did not make the primary faster.
        Assert.True(sim.Limits.Skip(sim.Limits.Count - 60).Max() >= Max * 0.9, $"limit up to {sim.Limits.Skip(sim.Limits.Count - 60).Max()} in the last 15 s");
    }

    [Fact]
    public void Too_little_traffic_decides_nothing()
    {
        var sim = new Simulation(seed: 7);
        // 2 responses a tick: 40 in the 5 s window, below the 50 a decision needs.
        sim.Run(TimeSpan.FromMinutes(1), limit => new World(limit, Refused: 5, P99Ms: HeldOpenCost(limit) * 3), responsesPerTick: 2);

        Assert.All(sim.Limits, limit => Assert.Equal(Max, limit));
    }

    [Fact]
    public void New_bounds_clamp_the_limit_in_force()
    {
        var time = new FakeTimeProvider();
        var controller = new ShadowLimitController(new ShadowLimitSettings { MaxLimit = 512 }, time);

        controller.Reconfigure(new ShadowLimitSettings { MinLimit = 2, MaxLimit = 64 });
        Assert.Equal(64, controller.Limit);
        Assert.Throws<ArgumentOutOfRangeException>(() => controller.Reconfigure(new ShadowLimitSettings { MinLimit = 65, MaxLimit = 64 }));
    }

    [Fact]
    public void The_recent_and_baseline_p99_are_what_the_primary_showed()
    {
        var sim = new Simulation(seed: 8);
        sim.Run(TimeSpan.FromSeconds(10), _ => new World(5, 0, P99Ms: 7));

        Assert.InRange(sim.Controller.RecentP99!.Value.TotalMilliseconds, 7 * 0.98, 7 * 1.02);
        Assert.InRange(sim.Controller.BaselineP99!.Value.TotalMilliseconds, 7 * 0.98, 7 * 1.02);
    }

    /// <summary>512 shadows held open make the primary's p99 1.6 x; the cost grows with the number held.</summary>
    private static double HeldOpenCost(int inFlight) => BaseP99Ms * (1 + (0.6 * inFlight / Max));

    private readonly record struct World(int InFlight, long Refused, double P99Ms);

    private sealed class Simulation
    {
        private readonly FakeTimeProvider _time = new();
        private readonly Random _random;

        public Simulation(int seed, int minLimit = 1)
        {
            _random = new Random(seed);
            Controller = new ShadowLimitController(new ShadowLimitSettings { MinLimit = minLimit, MaxLimit = Max }, _time);
        }

        public ShadowLimitController Controller { get; }

        /// <summary>The limit in force after each tick.</summary>
        public List<int> Limits { get; } = [];

        /// <summary>A factor around 1, uniform within ± <paramref name="spread"/>.</summary>
        public double Noise(double spread) => 1 + (((_random.NextDouble() * 2) - 1) * spread);

        public void Run(TimeSpan duration, Func<int, World> world, int responsesPerTick = 5_000)
        {
            for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += Tick)
            {
                var now = world(Controller.Limit);
                _time.Advance(Tick);
                Limits.Add(Controller.Observe(Latencies(now.P99Ms, responsesPerTick), new ShadowLoad(now.InFlight, now.Refused)));
            }
        }

        // A tick's responses: most at a third of the p99, the slowest 2 % at the p99.
        private static long[] Latencies(double p99Ms, int count)
        {
            var counts = new long[LatencyHistogram.BucketCount];
            var tail = Math.Max(1, count / 50);
            counts[LatencyHistogram.BucketIndex(TimeSpan.FromMilliseconds(p99Ms / 3).Ticks)] += count - tail;
            counts[LatencyHistogram.BucketIndex(TimeSpan.FromMilliseconds(p99Ms).Ticks)] += tail;
            return counts;
        }
    }
}
