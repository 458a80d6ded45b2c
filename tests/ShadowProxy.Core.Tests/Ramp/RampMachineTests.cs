using Microsoft.Extensions.Time.Testing;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Ramp;
using static ShadowProxy.Core.Tests.Gates.WindowStatsBuilder;

namespace ShadowProxy.Core.Tests.Ramp;

public sealed class RampMachineTests
{
    private const string Ops = "ops-key";

    internal static readonly RampOptions Options = new()
    {
        Stages =
        [
            new() { Name = "shadow", Weight = 0, MinDuration = TimeSpan.FromMinutes(10) },
            new() { Name = "canary", Weight = 1, MinDuration = TimeSpan.FromMinutes(10) },
            new() { Name = "early", Weight = 5, MinDuration = TimeSpan.FromMinutes(30) },
            new() { Name = "leads", Weight = 100, MinDuration = TimeSpan.FromHours(1) },
            new() { Name = "owned", Weight = 100, Shadow = false },
        ],
        Gates = new GateOptions { Window = TimeSpan.FromMinutes(1), MinSamples = 200 },
    };

    private static readonly GateReport Passing = GateEvaluator.Evaluate(Healthy(), Options.Gates);
    private static readonly GateReport TooFewSamples = GateEvaluator.Evaluate(Healthy(samples: 150), Options.Gates);
    private static readonly GateReport ErrorsFailing = GateEvaluator.Evaluate(Healthy() with { Candidate = Backend(400, errors: 100) }, Options.Gates);
    private static readonly GateReport DiffsFailing = GateEvaluator.Evaluate(Healthy() with { Matches = 300, Diffs = 100 }, Options.Gates);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    private DateTimeOffset Now => _time.GetUtcNow();

    [Fact]
    public void Initial_state_is_the_first_stage_shadowing()
    {
        var state = RampState.Initial("orders", Options, Now);

        Assert.Equal((0, "shadow", 0m, MigrationStatus.Shadowing, 1L), (state.StageIndex, state.StageName, state.Weight, state.Status, state.Version));
        Assert.Equal(Now, state.StageStartedAt);
        Assert.True(RampMachine.ShadowEnabled(state, Options));
        Assert.Equal("stage shadow (0%) Shadowing", state.Describe());
    }

    [Fact]
    public void A_first_stage_above_zero_starts_ramping()
    {
        var options = Options with { Stages = Options.Stages.Skip(1).ToArray() };

        Assert.Equal(MigrationStatus.Ramping, RampState.Initial("orders", options, Now).Status);
    }

    [Fact]
    public void Passing_gates_after_min_duration_advance_to_the_next_stage()
    {
        var state = RampState.Initial("orders", Options, Now);
        _time.Advance(TimeSpan.FromMinutes(10));

        var result = RampMachine.Evaluate(state, Options, Passing, Now);

        Assert.True(result.IsChanged);
        Assert.Equal(("canary", 1m, MigrationStatus.Ramping, 2L), (result.State.StageName, result.State.Weight, result.State.Status, result.State.Version));
        Assert.Equal(Now, result.State.StageStartedAt);
        Assert.Equal(AuditActions.Advance, result.Audit.Action);
        Assert.Equal(AuditActors.Automatic, result.Audit.Actor);
        Assert.Equal(AuditTrigger.Automatic, result.Audit.Trigger);
        Assert.Equal("stage shadow (0%) Shadowing", result.Audit.From);
        Assert.Equal("stage canary (1%) Ramping", result.Audit.To);
        Assert.StartsWith("gates passed: diff rate 0.0000 ≤ 0.0100", result.Audit.Reason);
    }

    [Fact]
    public void Min_duration_not_yet_passed_means_no_advance()
    {
        var state = RampState.Initial("orders", Options, Now);
        _time.Advance(TimeSpan.FromMinutes(9));

        var result = RampMachine.Evaluate(state, Options, Passing, Now);

        Assert.Equal(RampOutcome.Unchanged, result.Outcome);
        Assert.Same(state, result.State);
        Assert.Null(result.Audit);
        Assert.Equal("stage shadow has run 00:09:00 of 00:10:00", result.Reason);
    }

    [Fact]
    public void A_stage_shorter_than_the_gate_window_waits_for_a_full_window_at_its_weight()
    {
        var options = Options with { Stages = [new() { Name = "a", Weight = 0 }, new() { Name = "b", Weight = 10 }] };
        var state = RampState.Initial("orders", options, Now);
        _time.Advance(TimeSpan.FromSeconds(59));

        Assert.Equal(RampOutcome.Unchanged, RampMachine.Evaluate(state, options, Passing, Now).Outcome);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(MigrationStatus.Completed, RampMachine.Evaluate(state, options, Passing, Now).State.Status);
    }

    [Fact]
    public void Inconclusive_gates_below_min_samples_neither_advance_nor_roll_back()
    {
        var state = At("early");
        _time.Advance(TimeSpan.FromHours(2));

        var result = RampMachine.Evaluate(state, Options, TooFewSamples, Now);

        Assert.Equal(GateVerdict.Inconclusive, TooFewSamples.Verdict);
        Assert.Equal(RampOutcome.Unchanged, result.Outcome);
        Assert.Equal(5m, result.State.Weight);
        Assert.StartsWith("gates inconclusive: diff rate 0.0000 inconclusive (150 of 200 comparisons needed", result.Reason);
    }

    [Fact]
    public void A_failing_error_rate_gate_at_weight_5_rolls_back_naming_the_gate_and_value()
    {
        var state = At("early");
        _time.Advance(TimeSpan.FromSeconds(5)); // rollback does not wait for MinDuration

        var result = RampMachine.Evaluate(state, Options, ErrorsFailing, Now);

        Assert.True(result.IsChanged);
        Assert.Equal((0m, MigrationStatus.RolledBack), (result.State.Weight, result.State.Status));
        Assert.Equal(AuditActions.Rollback, result.Audit.Action);
        Assert.Equal(AuditTrigger.Automatic, result.Audit.Trigger);
        Assert.Equal(AuditActors.Automatic, result.Audit.Actor);
        Assert.Equal("error rate increase 0.2500 > 0.0050 (candidate 25.00% vs legacy 0.00%, 400 requests)", result.Audit.Reason);
        Assert.Equal(result.Audit.Reason, result.State.StatusReason);
        Assert.Equal("stage early (5%) Ramping", result.Audit.From);
        Assert.True(RampMachine.ShadowEnabled(result.State, Options));
    }

    [Fact]
    public void A_failing_diff_gate_at_weight_0_blocks_without_rolling_back()
    {
        var state = RampState.Initial("orders", Options, Now);
        _time.Advance(TimeSpan.FromHours(1));

        var result = RampMachine.Evaluate(state, Options, DiffsFailing, Now);

        Assert.Equal(RampOutcome.Unchanged, result.Outcome);
        Assert.Equal(MigrationStatus.Shadowing, result.State.Status);
        Assert.StartsWith("gates failing: diff rate 0.2500 > 0.0100", result.Reason);
    }

    [Fact]
    public void Without_automatic_rollback_a_failing_gate_only_blocks()
    {
        var options = Options with { AutomaticRollback = false };
        var state = At("early", options);
        _time.Advance(TimeSpan.FromHours(1));

        var result = RampMachine.Evaluate(state, options, ErrorsFailing, Now);

        Assert.Equal(RampOutcome.Unchanged, result.Outcome);
        Assert.Equal(5m, result.State.Weight);
    }

    [Fact]
    public void Without_auto_advance_nothing_advances_but_automatic_rollback_still_protects()
    {
        var options = Options with { AutoAdvance = false };
        var state = At("canary", options);
        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal("auto-advance is off", RampMachine.Evaluate(state, options, Passing, Now).Reason);
        Assert.Equal(MigrationStatus.RolledBack, RampMachine.Evaluate(state, options, ErrorsFailing, Now).State.Status);
    }

    [Fact]
    public void Pause_holds_even_when_gates_pass_and_min_duration_elapsed()
    {
        var paused = RampMachine.Pause(At("canary"), Options, Ops, Now, "investigating").State;
        _time.Advance(TimeSpan.FromHours(3));

        var result = RampMachine.Evaluate(paused, Options, Passing, Now);

        Assert.Equal(MigrationStatus.Paused, paused.Status);
        Assert.Equal("investigating", paused.StatusReason);
        Assert.Equal(RampOutcome.Unchanged, result.Outcome);
        Assert.Equal("auto-advance does not run while Paused", result.Reason);
    }

    [Fact]
    public void Automatic_rollback_protects_a_paused_migration()
    {
        var paused = RampMachine.Pause(At("canary"), Options, Ops, Now).State;

        var result = RampMachine.Evaluate(paused, Options, ErrorsFailing, Now);

        Assert.Equal(MigrationStatus.RolledBack, result.State.Status);
    }

    [Fact]
    public void Resume_after_a_pause_continues_the_stage_with_its_clock_running()
    {
        var state = At("canary");
        _time.Advance(TimeSpan.FromMinutes(4));
        var paused = RampMachine.Pause(state, Options, Ops, Now).State;
        _time.Advance(TimeSpan.FromMinutes(6));

        var resumed = RampMachine.Resume(paused, Options, Ops, Now);
        var evaluated = RampMachine.Evaluate(resumed.State, Options, Passing, Now);

        Assert.True(resumed.IsChanged);
        Assert.Equal(AuditActions.Resume, resumed.Audit.Action);
        Assert.Equal((MigrationStatus.Ramping, state.StageStartedAt, null), (resumed.State.Status, resumed.State.StageStartedAt, resumed.State.StatusReason));
        Assert.Equal("early", evaluated.State.StageName);
    }

    [Fact]
    public void Resume_after_a_pause_at_weight_0_returns_to_shadowing()
    {
        var paused = RampMachine.Pause(RampState.Initial("orders", Options, Now), Options, Ops, Now).State;

        Assert.Equal(MigrationStatus.Shadowing, RampMachine.Resume(paused, Options, Ops, Now).State.Status);
    }

    [Fact]
    public void Resume_after_a_rollback_restarts_at_the_first_stage()
    {
        var rolledBack = RampMachine.Rollback(At("early"), Options, Ops, AuditTrigger.Manual, "bad deploy", Now).State;
        _time.Advance(TimeSpan.FromMinutes(30));

        var result = RampMachine.Resume(rolledBack, Options, Ops, Now);

        Assert.True(result.IsChanged);
        Assert.Equal((0, "shadow", 0m, MigrationStatus.Shadowing), (result.State.StageIndex, result.State.StageName, result.State.Weight, result.State.Status));
        Assert.Equal(Now, result.State.StageStartedAt);
        Assert.Null(result.State.StatusReason);
        Assert.Equal("stage shadow (0%) RolledBack", result.Audit.From);
    }

    [Fact]
    public void Manual_rollback_sets_weight_0_at_once_and_is_idempotent()
    {
        var state = At("leads");

        var result = RampMachine.Rollback(state, Options, "sre-key", AuditTrigger.Manual, "p99 spike", Now);
        var again = RampMachine.Rollback(result.State, Options, "sre-key", AuditTrigger.Manual, "p99 spike", Now);

        Assert.Equal((0m, MigrationStatus.RolledBack, 0), (result.State.Weight, result.State.Status, result.State.StageIndex));
        Assert.Equal(("sre-key", AuditTrigger.Manual, "p99 spike"), (result.Audit!.Actor, result.Audit.Trigger, result.Audit.Reason));
        Assert.Equal(RampOutcome.Unchanged, again.Outcome);
        Assert.Same(result.State, again.State);
    }

    [Fact]
    public void Rollback_at_weight_0_stops_auto_advance_until_resumed()
    {
        var rolledBack = RampMachine.Rollback(RampState.Initial("orders", Options, Now), Options, Ops, AuditTrigger.Manual, null, Now).State;
        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(MigrationStatus.RolledBack, rolledBack.Status);
        Assert.Equal(RampOutcome.Unchanged, RampMachine.Evaluate(rolledBack, Options, Passing, Now).Outcome);
        Assert.Equal(RampOutcome.Unchanged, RampMachine.Evaluate(rolledBack, Options, ErrorsFailing, Now).Outcome);
    }

    [Fact]
    public void An_explicit_weight_pauses_auto_advance()
    {
        var state = At("canary");
        _time.Advance(TimeSpan.FromMinutes(3));

        var result = RampMachine.SetWeight(state, Options, 12.5m, Ops, Now, "hold at 12.5");
        _time.Advance(TimeSpan.FromHours(5));
        var evaluated = RampMachine.Evaluate(result.State, Options, Passing, Now);

        Assert.True(result.IsChanged);
        Assert.Equal(("early", 12.5m, MigrationStatus.Paused, true), (result.State.StageName, result.State.Weight, result.State.Status, result.State.WeightOverridden));
        Assert.Equal(result.Audit.Time, result.State.StageStartedAt);
        Assert.Equal(AuditActions.Weight, result.Audit.Action);
        Assert.Equal("stage early (12.5% explicit) Paused", result.Audit.To);
        Assert.Equal(RampOutcome.Unchanged, evaluated.Outcome);
    }

    [Fact]
    public void After_an_explicit_weight_resume_advances_to_the_next_stage_above_it()
    {
        var weighted = RampMachine.SetWeight(At("canary"), Options, 12.5m, Ops, Now).State;
        var resumed = RampMachine.Resume(weighted, Options, Ops, Now).State;
        _time.Advance(TimeSpan.FromMinutes(30));

        var result = RampMachine.Evaluate(resumed, Options, Passing, Now);

        Assert.Equal((MigrationStatus.Ramping, 12.5m), (resumed.Status, resumed.Weight));
        Assert.Equal(("leads", 100m, false), (result.State.StageName, result.State.Weight, result.State.WeightOverridden));
    }

    [Theory]
    [InlineData(0, "shadow")]
    [InlineData(1, "canary")]
    [InlineData(3.25, "canary")]
    [InlineData(99.99, "early")]
    [InlineData(100, "leads")] // not "owned": an explicit 100% keeps the reverse shadow
    public void An_explicit_weight_belongs_to_the_stage_whose_range_holds_it(decimal weight, string stage)
    {
        var result = RampMachine.SetWeight(At("early"), Options, weight, Ops, Now);

        Assert.Equal((stage, weight), (result.State.StageName, result.State.Weight));
    }

    [Fact]
    public void An_explicit_weight_equal_to_the_current_one_keeps_the_stage_and_its_clock()
    {
        var owned = At("owned");
        _time.Advance(TimeSpan.FromMinutes(1));

        var result = RampMachine.SetWeight(owned, Options, 100, Ops, Now);
        var again = RampMachine.SetWeight(result.State, Options, 100, Ops, Now);

        Assert.Equal(("owned", MigrationStatus.Paused, owned.StageStartedAt), (result.State.StageName, result.State.Status, result.State.StageStartedAt));
        Assert.Equal(RampOutcome.Unchanged, again.Outcome);
    }

    [Theory]
    [InlineData("120", "weight 120 is outside 0..100")]
    [InlineData("-1", "weight -1 is outside 0..100")]
    [InlineData("12.345", "weight 12.345 has more than two decimals")]
    public void Invalid_weights_are_refused(string weight, string reason)
    {
        var state = At("canary");

        var result = RampMachine.SetWeight(state, Options, decimal.Parse(weight, System.Globalization.CultureInfo.InvariantCulture), Ops, Now);

        Assert.Equal(RampOutcome.Invalid, result.Outcome);
        Assert.True(result.IsRefused);
        Assert.Equal(reason, result.Reason);
        Assert.Same(state, result.State);
    }

    [Fact]
    public void An_explicit_weight_after_a_rollback_is_allowed()
    {
        var rolledBack = RampMachine.Rollback(At("early"), Options, Ops, AuditTrigger.Manual, null, Now).State;

        var result = RampMachine.SetWeight(rolledBack, Options, 1, Ops, Now);

        Assert.Equal(("canary", 1m, MigrationStatus.Paused), (result.State.StageName, result.State.Weight, result.State.Status));
    }

    [Fact]
    public void Promote_moves_to_the_next_stage_with_a_fresh_clock()
    {
        var state = RampState.Initial("orders", Options, Now);
        _time.Advance(TimeSpan.FromMinutes(1));

        var result = RampMachine.Promote(state, Options, Ops, Now, "looks good");

        Assert.Equal(("canary", 1m, MigrationStatus.Ramping, Now), (result.State.StageName, result.State.Weight, result.State.Status, result.State.StageStartedAt));
        Assert.Equal((AuditActions.Promote, Ops, AuditTrigger.Manual, "looks good", 2L), (result.Audit!.Action, result.Audit.Actor, result.Audit.Trigger, result.Audit.Reason, result.Audit.Version));
    }

    [Fact]
    public void Promote_at_the_last_stage_is_refused()
    {
        var result = RampMachine.Promote(At("owned"), Options, Ops, Now);

        Assert.Equal(RampOutcome.Conflict, result.Outcome);
        Assert.Equal("orders is already at its last stage 'owned'", result.Reason);
    }

    [Fact]
    public void Promote_after_a_rollback_is_refused_until_resumed()
    {
        var rolledBack = RampMachine.Rollback(At("early"), Options, Ops, AuditTrigger.Manual, null, Now).State;

        var result = RampMachine.Promote(rolledBack, Options, Ops, Now);

        Assert.Equal(RampOutcome.Conflict, result.Outcome);
        Assert.Contains("resume", result.Reason);
    }

    [Fact]
    public void Promote_while_paused_stays_paused_until_the_last_stage()
    {
        var paused = RampMachine.Pause(At("canary"), Options, Ops, Now).State;

        var early = RampMachine.Promote(paused, Options, Ops, Now).State;
        var owned = RampMachine.Promote(RampMachine.Promote(early, Options, Ops, Now).State, Options, Ops, Now).State;

        Assert.Equal(("early", MigrationStatus.Paused), (early.StageName, early.Status));
        Assert.Equal(("owned", MigrationStatus.Completed), (owned.StageName, owned.Status));
        Assert.False(RampMachine.ShadowEnabled(owned, Options));
    }

    [Fact]
    public void Repeated_pause_and_resume_without_pause_change_nothing()
    {
        var paused = RampMachine.Pause(At("canary"), Options, Ops, Now).State;

        Assert.Equal(RampOutcome.Unchanged, RampMachine.Pause(paused, Options, Ops, Now).Outcome);
        Assert.Equal(RampOutcome.Unchanged, RampMachine.Resume(At("canary"), Options, Ops, Now).Outcome);
        Assert.Equal(RampOutcome.Unchanged, RampMachine.Pause(At("owned"), Options, Ops, Now).Outcome);
    }

    [Fact]
    public void Auto_advance_walks_through_every_stage_to_completed()
    {
        var state = RampState.Initial("orders", Options, Now);
        var audit = new List<AuditEntry>();
        for (var tick = 0; tick < 24 * 60 && state.Status != MigrationStatus.Completed; tick++)
        {
            _time.Advance(TimeSpan.FromMinutes(1)); // the host's controller timer
            var result = RampMachine.Evaluate(state, Options, Passing, Now);
            if (result.IsChanged)
            {
                audit.Add(result.Audit);
            }

            state = result.State;
        }

        Assert.Equal(("owned", 100m, MigrationStatus.Completed), (state.StageName, state.Weight, state.Status));
        Assert.Equal(["canary", "early", "leads", "owned"], audit.Select(a => a.To.Split(' ')[1]));
        Assert.All(audit, a => Assert.Equal(AuditActions.Advance, a.Action));
        Assert.Equal([2L, 3, 4, 5], audit.Select(a => a.Version));
        Assert.Equal(TimeSpan.FromMinutes(10 + 10 + 30 + 60), Now - RampState.Initial("orders", Options, _time.Start).StageStartedAt);
        Assert.Equal(RampOutcome.Unchanged, RampMachine.Evaluate(state, Options, Passing, Now).Outcome);
    }

    [Fact]
    public void Automatic_rollback_protects_a_completed_migration()
    {
        var result = RampMachine.Evaluate(At("owned"), Options, ErrorsFailing, Now);

        Assert.Equal(MigrationStatus.RolledBack, result.State.Status);
        Assert.True(RampMachine.ShadowEnabled(result.State, Options));
    }

    [Fact]
    public void Every_change_bumps_the_version_by_one_and_records_the_time()
    {
        var state = RampState.Initial("orders", Options, Now);
        _time.Advance(TimeSpan.FromSeconds(1));
        var steps = new Func<RampState, RampResult>[]
        {
            s => RampMachine.Promote(s, Options, Ops, Now),
            s => RampMachine.Pause(s, Options, Ops, Now),
            s => RampMachine.Resume(s, Options, Ops, Now),
            s => RampMachine.SetWeight(s, Options, 3, Ops, Now),
            s => RampMachine.Rollback(s, Options, Ops, AuditTrigger.Manual, "x", Now),
            s => RampMachine.Resume(s, Options, Ops, Now),
        };

        foreach (var step in steps)
        {
            var result = step(state);
            Assert.True(result.IsChanged, result.Reason);
            Assert.Equal(state.Version + 1, result.State.Version);
            Assert.Equal(result.State.Version, result.Audit.Version);
            Assert.Equal(Now, result.State.LastChangedAt);
            state = result.State;
        }
    }

    [Fact]
    public void Audit_entry_renders_on_one_line()
    {
        var entry = RampMachine.Rollback(At("canary"), Options, "sre-key", AuditTrigger.Manual, "pager", Now).Audit!;

        Assert.Equal("2026-03-01 12:00:00Z orders rollback by sre-key (manual): stage canary (1%) Ramping → stage shadow (0%) RolledBack: pager", entry.ToString());
    }

    [Fact]
    public void Empty_stage_list_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => RampState.Initial("orders", Options with { Stages = [] }, Now));
    }

    /// <summary>A state at the named stage as a promotion would have left it.</summary>
    private RampState At(string stage, RampOptions? options = null)
    {
        options ??= Options;
        var state = RampState.Initial("orders", options, Now);
        while (state.StageName != stage)
        {
            state = RampMachine.Promote(state, options, Ops, Now).State;
        }

        return state;
    }
}
