using System.Diagnostics;
using System.Net;
using ShadowProxy.Tests.Infrastructure;
using static ShadowProxy.Tests.Hardening.HardeningKit;

namespace ShadowProxy.Tests.Hardening;

/// <summary>
/// docs/architecture.md#the-walk-of-one-request under faults of the shadow side: legacy is healthy and serves; the candidate gets the
/// mirrored copy and misbehaves in every way a backend can. Clients must see exactly legacy's answer,
/// at legacy's speed; the shadow outcome is counted; the proxy stays healthy and memory bounded.
/// </summary>
public sealed class ShadowFaultTests
{
    private const int Requests = 4;

    /// <summary>Fault → shadow outcome counted → comparison result (null: no pair to compare).</summary>
    public static TheoryData<Fault, string, string?> Table => new()
    {
        { Fault.None, "completed", "match" },
        { Fault.Delay, "timeout", null },            // 2 s answer, 1 s shadow Timeout
        { Fault.Hang, "timeout", null },
        { Fault.ResetMidHeaders, "error", null },
        { Fault.ResetMidBody, "error", null },
        { Fault.NotHttp, "error", null },
        { Fault.HugeBody, "completed", "diff" },     // read up to MaxBodyBytes, then cut: compared as truncated
        { Fault.GzipBomb, "completed", "diff" },     // decoded up to MaxDecodedBytes only: "too large to compare"
        { Fault.InvalidJson, "completed", "diff" },  // compared as text
        { Fault.HugeHeaders, "error", null },        // over the shadow client's 64 KB response header limit
        { Fault.PartialChunked, "error", null },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public async Task Clients_see_exactly_the_primary_answer_whatever_the_shadow_does(Fault fault, string outcome, string? comparison)
    {
        await using var legacy = await StartLegacyAsync();
        await using var candidate = await FaultBackend.StartAsync(fault);
        var config = TestProxy.MigrationConfig(Migration, legacy.Address, candidate.Address);
        config[Prefix + "Shadow:Timeout"] = "00:00:01";
        config[Prefix + "Diff:IgnoreHeaders:0"] = "Date";
        config[Prefix + "Diff:IgnoreHeaders:1"] = "Server";
        config[Prefix + "Diff:IgnoreHeaders:2"] = "X-Backend";
        await using var proxy = await TestProxy.StartAsync(config);
        var heapBefore = ManagedMiB();

        for (var i = 0; i < Requests; i++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await proxy.Client.GetAsync($"/api/orders/{i}");
            var body = await response.Content.ReadAsStringAsync();
            clock.Stop();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(FaultBackend.NormalBody($"/api/orders/{i}"), body);
            Assert.Equal("legacy", response.Headers.GetValues("X-Backend").Single());
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);

            // Never waits for the shadow: below the 1 s shadow timeout and the 2 s delay, even on a busy
            // machine (the first request pays for JIT and connections, whatever the shadow does).
            Assert.True(i == 0 || clock.Elapsed < TimeSpan.FromMilliseconds(900), $"request {i} took {clock.Elapsed.TotalMilliseconds} ms");
        }

        await Eventually.True(() => proxy.ShadowsEnded() == Requests, $"all {Requests} shadows ended", TimeSpan.FromSeconds(20));
        Assert.Equal(Requests, proxy.Shadow(outcome));
        Assert.Equal(0, proxy.Shadow("dropped"));
        Assert.Equal(Requests, candidate.Requests.Count);
        Assert.All(candidate.Requests, r => Assert.True(r.IsShadow));
        if (comparison is not null)
        {
            // Decoding a bomb up to MaxDecodedBytes per pair takes a while on a saturated machine.
            await Eventually.True(() => proxy.Compared(comparison) == Requests, $"every pair compared as {comparison}", TimeSpan.FromSeconds(60));
        }

        Assert.Equal(0, proxy.Compared("match") + proxy.Compared("diff") + proxy.Compared("noise") - (comparison is null ? 0 : Requests));
        await Eventually.True(() => proxy.Metrics().ShadowInFlight.WithLabels(Migration).Value == 0, "every shadow slot was given back");
        await proxy.AssertHealthyAsync();

        // Nothing the size of the faulty bodies (2 GiB, 256 MiB decoded) was ever held.
        var heapAfter = ManagedMiB();
        Assert.True(heapAfter - heapBefore < 128, $"managed heap grew from {heapBefore} to {heapAfter} MiB");
        if (fault == Fault.HugeBody)
        {
            // The shadow stopped reading at the cap: the backend could not push more than the cap plus socket buffers.
            await Task.Delay(200);
            Assert.True(candidate.HugeBodyBytesSent < Requests * 64L * 1024 * 1024, $"{candidate.HugeBodyBytesSent} bytes were sent");
        }

        // The proxy still serves a normal pair end to end after the faults.
        candidate.Fault = Fault.None;
        var matchesBefore = proxy.Compared("match");
        using var after = await proxy.Client.GetAsync("/api/orders/after");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        await Eventually.True(() => proxy.Compared("match") == matchesBefore + 1, "a healthy pair still compares as a match");
    }
}
