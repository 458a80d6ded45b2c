using ShadowProxy.Core.Ramp;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Tests.Storage;

public sealed class SqliteStateStoreTests
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task State_and_audit_survive_reopening_the_file()
    {
        await using var temp = new TempStore();
        var state = new RampState
        {
            Migration = "orders",
            StageIndex = 2,
            StageName = "early",
            Weight = 12.34m,
            Status = MigrationStatus.Paused,
            WeightOverridden = true,
            StageStartedAt = T0,
            Version = 7,
            LastChangedAt = T0.AddMinutes(3),
            StatusReason = "looking at p99",
        };
        var audit = Audit("orders", 7, "ci-bot", AuditActions.Weight, T0.AddMinutes(3));
        var first = temp.Open();
        await first.SaveStateAsync(state, audit);
        await first.SaveStateAsync(state with { Migration = "users", Version = 1, StatusReason = null }, null);
        await first.DisposeAsync();

        var reopened = temp.Open();
        Assert.Equal(state, await reopened.LoadStateAsync("orders"));
        Assert.Null(await reopened.LoadStateAsync("payments"));
        Assert.Equal(["orders", "users"], (await reopened.LoadStatesAsync()).Select(s => s.Migration));
        var stored = Assert.Single(await reopened.ReadAuditAsync(new AuditQuery()));
        Assert.Equal(audit, stored.Entry);
    }

    [Fact]
    public async Task Saving_a_state_replaces_the_previous_one()
    {
        await using var temp = new TempStore();
        var store = temp.Open();
        var state = RampState.Initial("orders", new Core.Configuration.RampOptions(), T0);
        await store.SaveStateAsync(state, null);
        await store.SaveStateAsync(state with { Weight = 50, Version = 2, Status = MigrationStatus.Ramping }, null);

        var loaded = await store.LoadStateAsync("orders");
        Assert.Equal(50, loaded!.Weight);
        Assert.Equal(2, loaded.Version);
        Assert.Single(await store.LoadStatesAsync());
    }

    [Fact]
    public async Task Audit_is_newest_first_pages_with_a_cursor_and_filters_by_migration()
    {
        await using var temp = new TempStore();
        var store = temp.Open();
        var state = RampState.Initial("orders", new Core.Configuration.RampOptions(), T0);
        for (var i = 1; i <= 5; i++)
        {
            await store.SaveStateAsync(state with { Version = i }, Audit(i % 2 == 0 ? "users" : "orders", i, "sre", AuditActions.Promote, T0.AddMinutes(i)));
        }

        var page1 = await store.ReadAuditAsync(new AuditQuery(Limit: 2));
        Assert.Equal([5L, 4L], page1.Select(e => e.Entry.Version));
        var page2 = await store.ReadAuditAsync(new AuditQuery(Limit: 2, Before: page1[^1].Id));
        Assert.Equal([3L, 2L], page2.Select(e => e.Entry.Version));
        var page3 = await store.ReadAuditAsync(new AuditQuery(Limit: 2, Before: page2[^1].Id));
        Assert.Equal([1L], page3.Select(e => e.Entry.Version));

        var orders = await store.ReadAuditAsync(new AuditQuery("orders"));
        Assert.Equal([5L, 3L, 1L], orders.Select(e => e.Entry.Version));
    }

    [Fact]
    public async Task Audit_keeps_only_the_newest_entries_within_its_bound()
    {
        await using var temp = new TempStore();
        var store = temp.Open(temp.Options(maxAudit: 3));
        var state = RampState.Initial("orders", new Core.Configuration.RampOptions(), T0);
        for (var i = 1; i <= 7; i++)
        {
            await store.SaveStateAsync(state with { Version = i }, Audit("orders", i, "sre", AuditActions.Pause, T0.AddMinutes(i)));
        }

        Assert.Equal([7L, 6L, 5L], (await store.ReadAuditAsync(new AuditQuery())).Select(e => e.Entry.Version));
        Assert.Equal(3, temp.Scalar("SELECT COUNT(*) FROM audit"));
    }

    [Fact]
    public async Task Noise_marks_are_idempotent_audited_and_survive_reopening()
    {
        await using var temp = new TempStore();
        var store = temp.Open();
        await store.SaveStateAsync(RampState.Initial("orders", new Core.Configuration.RampOptions(), T0) with { Version = 4 }, null);
        var everywhere = new NoiseMark("orders", "$.meta.requestId", null, "alice", T0);
        var onOne = new NoiseMark("orders", "$.meta.requestId", "GET /api/orders/{id}", "alice", T0.AddSeconds(1));

        Assert.True(await store.AddNoiseMarkAsync(everywhere, "generated per request"));
        Assert.False(await store.AddNoiseMarkAsync(everywhere with { Actor = "bob" }));
        Assert.True(await store.AddNoiseMarkAsync(onOne));
        Assert.True(await store.RemoveNoiseMarkAsync(new NoiseMarkRemoval("orders", "$.meta.requestId", "GET /api/orders/{id}", "bob", T0.AddSeconds(2))));
        Assert.False(await store.RemoveNoiseMarkAsync(new NoiseMarkRemoval("orders", "$.meta.requestId", "GET /api/orders/{id}", "bob", T0.AddSeconds(3))));
        Assert.False(await store.RemoveNoiseMarkAsync(new NoiseMarkRemoval("users", "$.meta.requestId", null, "bob", T0.AddSeconds(3))));

        var reopened = temp.Open();
        Assert.Equal([everywhere], await reopened.ReadNoiseMarksAsync("orders"));
        Assert.Empty(await reopened.ReadNoiseMarksAsync("users"));
        var audit = await reopened.ReadAuditAsync(new AuditQuery("orders"));
        Assert.Equal(
            [(NoiseAuditActions.Unmark, "bob"), (NoiseAuditActions.Mark, "alice"), (NoiseAuditActions.Mark, "alice")],
            audit.Select(e => (e.Entry.Action, e.Entry.Actor)));
        var first = audit[^1].Entry;
        Assert.Equal("generated per request", first.Reason);
        Assert.Equal("noise: $.meta.requestId on every endpoint", first.To);
        Assert.Equal(4, first.Version);
        Assert.Equal(AuditTrigger.Manual, first.Trigger);
    }

    [Fact]
    public async Task An_unusable_path_fails_the_call_and_a_later_call_retries()
    {
        await using var temp = new TempStore();
        System.IO.Directory.CreateDirectory(temp.Directory);
        var blocker = System.IO.Path.Combine(temp.Directory, "nested");
        await File.WriteAllTextAsync(blocker, "a file where the store's directory should be");
        var store = temp.Open();

        await Assert.ThrowsAnyAsync<IOException>(() => store.LoadStatesAsync());
        File.Delete(blocker);
        Assert.Empty(await store.LoadStatesAsync());
    }

    private static AuditEntry Audit(string migration, long version, string actor, string action, DateTimeOffset time) => new()
    {
        Time = time,
        Migration = migration,
        Actor = actor,
        Action = action,
        From = "stage shadow (0%) Shadowing",
        To = "stage canary (1%) Ramping",
        Reason = "because " + version,
        Trigger = AuditTrigger.Manual,
        Version = version,
    };
}
