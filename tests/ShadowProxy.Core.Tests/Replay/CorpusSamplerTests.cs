using Microsoft.Extensions.Time.Testing;
using ShadowProxy.Core.Replay;

namespace ShadowProxy.Core.Tests.Replay;

public sealed class CorpusSamplerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void An_endpoint_takes_its_first_n_then_one_per_interval()
    {
        var sampler = new CorpusSampler(_time, TimeSpan.FromSeconds(1));

        Assert.Equal([true, true, true, false, false], Enumerable.Range(0, 5).Select(_ => sampler.TryTake("orders", "GET /a", 3)));

        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(sampler.TryTake("orders", "GET /a", 3));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(sampler.TryTake("orders", "GET /a", 3));
        Assert.False(sampler.TryTake("orders", "GET /a", 3));

        // Endpoints and migrations count apart.
        Assert.True(sampler.TryTake("orders", "GET /b", 3));
        Assert.True(sampler.TryTake("billing", "GET /a", 3));
    }

    [Fact]
    public void Zero_takes_nothing_and_endpoints_beyond_the_bound_are_not_tracked()
    {
        var sampler = new CorpusSampler(_time, TimeSpan.FromSeconds(1), maxEndpoints: 2);

        Assert.False(sampler.TryTake("orders", "GET /a", 0));
        Assert.True(sampler.TryTake("orders", "GET /a", 5));
        Assert.True(sampler.TryTake("orders", "GET /b", 5));
        Assert.False(sampler.TryTake("orders", "GET /c", 5));
        Assert.True(sampler.TryTake("orders", "GET /a", 5));
    }

    [Fact]
    public void Concurrent_callers_past_the_first_n_get_one_turn_per_interval()
    {
        var sampler = new CorpusSampler(_time, TimeSpan.FromSeconds(1));
        for (var i = 0; i < 2; i++)
        {
            sampler.TryTake("orders", "GET /a", 2);
        }

        _time.Advance(TimeSpan.FromSeconds(2));
        var taken = 0;
        Parallel.For(0, 1000, _ =>
        {
            if (sampler.TryTake("orders", "GET /a", 2))
            {
                Interlocked.Increment(ref taken);
            }
        });

        Assert.Equal(1, taken);
    }
}
