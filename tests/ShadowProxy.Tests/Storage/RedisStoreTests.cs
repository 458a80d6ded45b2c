using Microsoft.Extensions.Logging.Abstractions;
using ShadowProxy.Configuration;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Ramp;
using ShadowProxy.Core.Storage;
using ShadowProxy.Storage.Redis;
using ShadowProxy.Tests.Fleet;
using static ShadowProxy.Tests.Storage.Records;

namespace ShadowProxy.Tests.Storage;

/// <summary>The Redis store against a real redis-server: the same answers and bounds as SQLite.</summary>
public sealed class RedisStoreTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncDisposable
{
    private readonly List<RedisConnection> _connections = [];

    [Fact]
    public async Task Diffs_written_to_Redis_read_back_exactly_as_from_SQLite_within_the_same_bounds()
    {
        await using var temp = new TempStore();
        var options = temp.Options(samplesPerPath: 3, maxSamples: 60, maxPaths: 40);
        var sqlite = temp.Open(options);
        var store = Open(options);
        var random = new Random(7);
        for (var b = 0; b < 10; b++)
        {
            var batch = new List<ComparisonRecord>();
            for (var i = 0; i < 200; i++)
            {
                var roll = random.Next(10);
                StoredDifference[] found = roll < 3 ? []
                    : roll < 4 ? [Value("$.meta.requestId", noise: true)]
                    : [.. Enumerable.Range(0, random.Next(1, 4)).Select(_ => Value($"$.items[{random.Next(30)}].price")).DistinctBy(d => d.Path)];
                batch.Add(Diff("orders", $"GET /api/e{random.Next(8)}/{{id}}", Start.AddMilliseconds((b * 200) + i), found.Length == 0 ? null : Sample("/api/e/1"), found));
            }

            var fromSqlite = await sqlite.WriteAsync(batch);
            var fromRedis = await store.WriteAsync(batch);
            Assert.Equal(fromSqlite, fromRedis);
        }

        Assert.Equal(await sqlite.ReadCountsAsync("orders"), await store.ReadCountsAsync("orders"), new CountsComparer());
        foreach (var sort in Enum.GetValues<SummarySort>())
        {
            var query = new SummaryQuery { Sort = sort, Limit = 1000 };
            var expected = await sqlite.ReadSummaryAsync("orders", query);
            var actual = await store.ReadSummaryAsync("orders", query);
            Assert.Equal(expected.Total, actual.Total);
            Assert.Equal(expected.Rows.Select(Describe), actual.Rows.Select(Describe));
        }

        var filtered = new SummaryQuery { Endpoint = "GET /api/e3/{id}", PathContains = "items[1", Noise = false, Offset = 1, Limit = 5 };
        Assert.Equal((await sqlite.ReadSummaryAsync("orders", filtered)).Rows.Select(Describe), (await store.ReadSummaryAsync("orders", filtered)).Rows.Select(Describe));

        var samples = await store.ReadSamplesAsync("orders", new SampleQuery(Limit: 1000));
        Assert.Equal(options.MaxSamplesPerMigration, samples.Count);
        Assert.Equal((await sqlite.ReadSamplesAsync("orders", new SampleQuery(Limit: 1000))).Select(s => s with { Time = default }), samples.Select(s => s with { Time = default }));
        var coverage = await store.ReadSampleCoverageAsync();
        Assert.All(coverage, c => Assert.InRange(c.Samples, 1, options.SamplesPerPath));
        Assert.Equal((await sqlite.ReadSampleCoverageAsync()).OrderBy(c => c.Endpoint + c.Path), coverage.Where(c => c.Migration == "orders").OrderBy(c => c.Endpoint + c.Path));

        var detail = await store.ReadSampleAsync("orders", samples[0].Id);
        Assert.NotNull(detail);
        Assert.Equal((await sqlite.ReadSampleAsync("orders", samples[0].Id))!.Sample, detail.Sample, new JsonComparer<StoredSample>());
        Assert.Null(await store.ReadSampleAsync("orders", 1));
    }

    [Fact]
    public async Task A_state_is_saved_only_over_its_predecessor_and_published()
    {
        var store = Open(new StoreOptions());
        var ramp = new RampOptions();
        var initial = RampState.Initial("orders", ramp, Start);
        var published = new TaskCompletionSource<string>();
        await store.Connection.Multiplexer.GetSubscriber().SubscribeAsync(store.StateChannel, (_, message) => published.TrySetResult(message!));

        Assert.Null(await store.CompareAndSaveAsync(initial, null));
        var promoted = RampMachine.Promote(initial, ramp, "ops", Start.AddMinutes(1));
        Assert.Null(await store.CompareAndSaveAsync(promoted.State, promoted.Audit));
        Assert.Equal(initial, RedisStore.ParseState(await published.Task.WaitAsync(TimeSpan.FromSeconds(5))));
        Assert.Equal(promoted.State, await store.LoadStateAsync("orders"));

        // A concurrent writer that decided on version 1 loses, and is handed the winner.
        var stale = RampMachine.Rollback(initial, ramp, "sre", AuditTrigger.Manual, "late", Start.AddMinutes(2));
        Assert.Equal(promoted.State, await store.CompareAndSaveAsync(stale.State, stale.Audit));
        Assert.Equal(promoted.State, await store.LoadStateAsync("orders"));

        // The plain IStateStore save keeps the highest version.
        await store.SaveStateAsync(initial, null);
        Assert.Equal(promoted.State, await store.LoadStateAsync("orders"));
        Assert.Equal(["orders"], (await store.LoadStatesAsync()).Select(s => s.Migration));
        var audit = await store.ReadAuditAsync(new AuditQuery("orders"));
        Assert.Equal(AuditActions.Promote, Assert.Single(audit).Entry.Action);
    }

    [Fact]
    public async Task Audit_pages_newest_first_filters_by_migration_and_keeps_its_bound()
    {
        var store = Open(new StoreOptions { MaxAuditEntries = 5 });
        var ramp = new RampOptions();
        foreach (var migration in new[] { "orders", "users" })
        {
            var state = RampState.Initial(migration, ramp, Start);
            await store.CompareAndSaveAsync(state, null);
            for (var i = 0; i < 4; i++)
            {
                var next = i % 2 == 0 ? RampMachine.Pause(state, ramp, "ops", Start.AddMinutes(i)) : RampMachine.Resume(state, ramp, "ops", Start.AddMinutes(i));
                Assert.Null(await store.CompareAndSaveAsync(next.State, next.Audit));
                state = next.State;
            }
        }

        var all = await store.ReadAuditAsync(new AuditQuery(Limit: 100));
        Assert.Equal(5, all.Count);
        Assert.Equal(all.Select(e => e.Id).OrderDescending(), all.Select(e => e.Id));
        Assert.Equal(4, (await store.ReadAuditAsync(new AuditQuery("users"))).Count);
        Assert.Single(await store.ReadAuditAsync(new AuditQuery("orders")));
        var page = await store.ReadAuditAsync(new AuditQuery(Limit: 2, Before: all[1].Id));
        Assert.Equal(all.Skip(2).Take(2).Select(e => e.Id), page.Select(e => e.Id));
    }

    [Fact]
    public async Task Noise_marks_are_idempotent_audited_and_announced()
    {
        var store = Open(new StoreOptions());
        var announced = new TaskCompletionSource<string>();
        await store.Connection.Multiplexer.GetSubscriber().SubscribeAsync(store.NoiseChannel, (_, message) => announced.TrySetResult(message!));
        var mark = new NoiseMark("orders", "$.meta.id", "GET /api/orders/{id}", "ops", Start);
        Assert.True(await store.AddNoiseMarkAsync(mark, "changes on every call"));
        Assert.Equal("orders", await announced.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.False(await store.AddNoiseMarkAsync(mark));
        Assert.True(await store.AddNoiseMarkAsync(mark with { Endpoint = null }));
        Assert.Equal([null, "GET /api/orders/{id}"], (await store.ReadNoiseMarksAsync("orders")).Select(m => m.Endpoint).OrderBy(e => e));
        Assert.True(await store.RemoveNoiseMarkAsync(new NoiseMarkRemoval("orders", "$.meta.id", null, "ops", Start)));
        Assert.False(await store.RemoveNoiseMarkAsync(new NoiseMarkRemoval("orders", "$.meta.id", null, "ops", Start)));
        Assert.Equal(mark, Assert.Single(await store.ReadNoiseMarksAsync("orders")));
        var audit = await store.ReadAuditAsync(new AuditQuery("orders"));
        Assert.Equal([NoiseAuditActions.Unmark, NoiseAuditActions.Mark, NoiseAuditActions.Mark], audit.Select(e => e.Entry.Action));
    }

    [Fact]
    public async Task The_lease_has_one_holder_which_renews_it_and_another_takes_it_once_it_expires()
    {
        var store = Open(new StoreOptions());
        var ttl = TimeSpan.FromMilliseconds(300);
        Assert.True(await store.AcquireLeaseAsync("a", ttl));
        Assert.False(await store.AcquireLeaseAsync("b", ttl));
        Assert.True(await store.AcquireLeaseAsync("a", ttl));

        // The holder dies without releasing: the lease expires and another instance takes it over.
        await Fleet.Fleet.EventuallyAsync(() => store.AcquireLeaseAsync("b", ttl), "b takes the expired lease", TimeSpan.FromSeconds(3));
        Assert.False(await store.AcquireLeaseAsync("a", ttl));
        Assert.Equal("b", await store.LeaseHolderAsync());

        // Released on stop, and only by its holder.
        await store.ReleaseLeaseAsync("a");
        Assert.Equal("b", await store.LeaseHolderAsync());
        await store.ReleaseLeaseAsync("b");
        Assert.Null(await store.LeaseHolderAsync());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task Versions_renames_probe_noise_and_the_declared_version_read_back_as_from_SQLite()
    {
        await using var temp = new TempStore();
        var options = temp.Options();
        var sqlite = temp.Open(options);
        var store = Open(options);
        var renamed = new StoredDifference("$.customerName", "Renamed", "customerName", "customer_name", false) { CandidatePath = "$.customer_name" };
        List<ComparisonRecord> batch =
        [
            .. Enumerable.Range(0, 6).Select(i => Diff("orders", "GET /api/customers/{id}", Start.AddSeconds(i), null, renamed) with { Version = "1" }),
            .. Enumerable.Range(0, 4).Select(i => Diff("orders", "GET /api/customers/{id}", Start.AddHours(2).AddSeconds(i), null, Value("$.total")) with { Version = "2" }),
        ];
        await sqlite.WriteAsync(batch);
        await store.WriteAsync(batch);

        var expected = await sqlite.ReadVersionCountsAsync("orders");
        var actual = await store.ReadVersionCountsAsync("orders");
        Assert.Equal(expected.Versions.Select(v => (v.Version, v.Comparisons, v.Diffs)), actual.Versions.Select(v => (v.Version, v.Comparisons, v.Diffs)));
        Assert.Equal(expected.Endpoints.OrderBy(e => e.Version), actual.Endpoints.OrderBy(e => e.Version));
        Assert.Equal(expected.Paths.OrderBy(p => p.Version), actual.Paths.OrderBy(p => p.Version));
        Assert.Equal([("1", 6L), ("2", 4L)], actual.Endpoints.OrderBy(e => e.Version).Select(e => (e.Version, e.Comparisons)));

        foreach (var query in new[] { new SummaryQuery { Version = "1" }, new SummaryQuery { Version = "2" }, new SummaryQuery { Since = Start.AddHours(1) }, new SummaryQuery() })
        {
            var fromSqlite = await sqlite.ReadSummaryAsync("orders", query);
            var fromRedis = await store.ReadSummaryAsync("orders", query);
            Assert.Equal(fromSqlite.Rows.Select(r => (r.Path, r.Count, r.Rate, r.CandidatePath)), fromRedis.Rows.Select(r => (r.Path, r.Count, r.Rate, r.CandidatePath)));
        }

        var version1 = Assert.Single((await store.ReadSummaryAsync("orders", new SummaryQuery { Version = "1" })).Rows);
        Assert.Equal(("$.customerName", "$.customer_name", 6L, 1.0), (version1.Path, version1.CandidatePath, version1.Count, version1.Rate));

        var noise = new Dictionary<string, IReadOnlyList<string>> { ["GET /api/orders/{id}"] = ["$.meta.generatedAt", "$.items[*].updatedAt"] };
        await store.SaveProbeNoiseAsync("orders", noise);
        await sqlite.SaveProbeNoiseAsync("orders", noise);
        Assert.Equal(noise["GET /api/orders/{id}"].Order(), (await store.ReadProbeNoiseAsync("orders"))["GET /api/orders/{id}"].Order());
        Assert.Equal(noise["GET /api/orders/{id}"].Order(), (await sqlite.ReadProbeNoiseAsync("orders"))["GET /api/orders/{id}"].Order());

        var audit = new AuditEntry { Time = Start, Migration = "orders", Actor = "ci-bot", Action = "version-declare", From = "candidate version: unknown", To = "candidate version: 1.5", Trigger = AuditTrigger.Manual, Version = 0 };
        await store.DeclareVersionAsync("orders", "1.5", audit);
        Assert.Equal("1.5", await store.ReadDeclaredVersionAsync("orders"));
        Assert.Contains(await store.ReadAuditAsync(new AuditQuery("orders")), e => e.Entry.To == "candidate version: 1.5");
    }

    private RedisStore Open(StoreOptions options)
    {
        var connection = new RedisConnection(new RedisStoreOptions { Configuration = redis.Server.Configuration, KeyPrefix = "store-" + Guid.NewGuid().ToString("N")[..8] + ":" }, NullLogger<RedisConnection>.Instance);
        _connections.Add(connection);

        // Connect does not wait for Redis past its timeout (a proxy starts degraded): on a busy machine, wait here.
        SpinWait.SpinUntil(() => connection.IsConnected, TimeSpan.FromSeconds(10));
        return new RedisStore(connection, options, TimeProvider.System);
    }

    private static string Describe(DiffSummaryRow row) =>
        $"{row.Endpoint} {row.Path} {row.Kind} {row.Count} {row.NoiseCount} {row.Rate:0.000000} {row.IsNoise} {row.FirstSeen:O} {row.LastSeen:O} [{string.Join(",", row.SampleIds)}]";

    private sealed class CountsComparer : IEqualityComparer<ComparisonCounts>
    {
        public bool Equals(ComparisonCounts? x, ComparisonCounts? y) =>
            x!.Match == y!.Match && x.Diff == y.Diff && x.Noise == y.Noise && x.Endpoints.SequenceEqual(y.Endpoints);

        public int GetHashCode(ComparisonCounts obj) => obj.Total.GetHashCode();
    }

    private sealed class JsonComparer<T> : IEqualityComparer<T>
    {
        public bool Equals(T? x, T? y) => System.Text.Json.JsonSerializer.Serialize(x) == System.Text.Json.JsonSerializer.Serialize(y);

        public int GetHashCode(T obj) => 0;
    }
}
