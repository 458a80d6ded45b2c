using CsCheck;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Ramp;

namespace ShadowProxy.Core.Tests.Ramp;

public sealed class RampRestoreTests
{
    private static readonly RampOptions Options = RampMachineTests.Options;
    private static readonly DateTimeOffset Saved = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Restart = Saved.AddHours(1);

    [Fact]
    public void A_state_that_fits_the_configuration_is_unchanged()
    {
        var persisted = Promoted(2);

        var result = RampMachine.Restore(persisted, Options, Restart);

        Assert.Equal(RampOutcome.Unchanged, result.Outcome);
        Assert.Same(persisted, result.State);
    }

    [Fact]
    public void A_removed_stage_clamps_down_without_raising_the_weight()
    {
        var persisted = Promoted(4); // owned, 100
        var shorter = Options with { Stages = Options.Stages.Take(3).ToArray() };

        var result = RampMachine.Restore(persisted, shorter, Restart);

        Assert.True(result.IsChanged);
        Assert.Equal(("early", 2, 5m, MigrationStatus.Completed), (result.State.StageName, result.State.StageIndex, result.State.Weight, result.State.Status));
        Assert.Equal(Restart, result.State.StageStartedAt);
        Assert.Equal((AuditActions.Restore, AuditActors.System, AuditTrigger.Automatic), (result.Audit.Action, result.Audit.Actor, result.Audit.Trigger));
        Assert.Equal(persisted.Version + 1, result.State.Version);
    }

    [Fact]
    public void A_stage_found_by_name_at_a_new_index_keeps_its_clock()
    {
        var persisted = Promoted(1); // canary
        var inserted = Options with { Stages = [Options.Stages[0], new() { Name = "tiny", Weight = 0.1m }, .. Options.Stages.Skip(1)] };

        var result = RampMachine.Restore(persisted, inserted, Restart);

        Assert.Equal(("canary", 2, 1m, Saved), (result.State.StageName, result.State.StageIndex, result.State.Weight, result.State.StageStartedAt));
    }

    [Fact]
    public void A_stage_weight_lowered_in_the_configuration_lowers_the_state_and_a_raised_one_does_not_raise_it()
    {
        var persisted = Promoted(2); // early, 5
        var lowered = Options with { Stages = Options.Stages.Select(s => s.Name == "early" ? s with { Weight = 2 } : s).ToArray() };
        var raised = Options with { Stages = Options.Stages.Select(s => s.Name == "early" ? s with { Weight = 20 } : s).ToArray() };

        Assert.Equal(2m, RampMachine.Restore(persisted, lowered, Restart).State.Weight);
        Assert.Equal(5m, RampMachine.Restore(persisted, raised, Restart).State.Weight);
    }

    [Fact]
    public void Paused_and_rolled_back_statuses_survive_a_changed_configuration()
    {
        var paused = RampMachine.SetWeight(Promoted(2), Options, 12.5m, "ops", Saved).State;
        var rolledBack = RampMachine.Rollback(Promoted(3), Options, "ops", AuditTrigger.Manual, "bad", Saved).State;
        var renamed = Options with { Stages = Options.Stages.Select(s => s with { Name = s.Name + "-v2" }).ToArray() };

        var restoredPaused = RampMachine.Restore(paused, renamed, Restart).State;
        var restoredRolledBack = RampMachine.Restore(rolledBack, renamed, Restart).State;

        Assert.Equal((MigrationStatus.Paused, 12.5m, "early-v2"), (restoredPaused.Status, restoredPaused.Weight, restoredPaused.StageName));
        Assert.Equal((MigrationStatus.RolledBack, 0m, "shadow-v2"), (restoredRolledBack.Status, restoredRolledBack.Weight, restoredRolledBack.StageName));
    }

    [Fact]
    public void A_completed_migration_whose_stage_list_grew_ramps_on()
    {
        var longer = Options with { Stages = [.. Options.Stages, new() { Name = "retired", Weight = 100, Shadow = false }] };

        var result = RampMachine.Restore(Promoted(4), longer, Restart);

        Assert.Equal((MigrationStatus.Ramping, "owned", 100m), (result.State.Status, result.State.StageName, result.State.Weight));
    }

    [Fact]
    public void Restore_never_raises_a_weight()
    {
        var stageLists = Gen.Decimal[0, 100].Select(w => decimal.Round(w, 2))
            .Array[1, 8]
            .Select(weights => (IReadOnlyList<StageOptions>)weights.Order().Select((w, i) => new StageOptions { Name = "s" + (i * 7 % 5), Weight = w }).ToArray());
        var persisted = Gen.Select(
            Gen.Int[0, 9],
            Gen.Decimal[0, 100].Select(w => decimal.Round(w, 3)),
            Gen.Enum<MigrationStatus>(),
            Gen.Bool,
            Gen.Int[0, 5]);

        Gen.Select(stageLists, persisted).Sample((stages, p) =>
        {
            var (index, weight, status, overridden, name) = p;
            var state = new RampState
            {
                Migration = "orders",
                StageIndex = index,
                StageName = "s" + name,
                Weight = status == MigrationStatus.RolledBack ? 0 : weight,
                Status = status,
                WeightOverridden = overridden,
                StageStartedAt = Saved,
                Version = 7,
                LastChangedAt = Saved,
            };

            var result = RampMachine.Restore(state, Options with { Stages = stages }, Restart);

            Assert.True(result.State.Weight <= state.Weight, $"{state.Describe()} → {result.State.Describe()}");
            Assert.InRange(result.State.StageIndex, 0, stages.Count - 1);
            Assert.Equal(stages[result.State.StageIndex].Name, result.State.StageName);
            Assert.Equal(decimal.Round(result.State.Weight, 2), result.State.Weight);
            if (status is MigrationStatus.Paused or MigrationStatus.RolledBack)
            {
                Assert.Equal(status, result.State.Status);
            }
        });
    }

    private static RampState Promoted(int times)
    {
        var state = RampState.Initial("orders", Options, Saved);
        for (var i = 0; i < times; i++)
        {
            state = RampMachine.Promote(state, Options, "ops", Saved).State;
        }

        return state;
    }
}
