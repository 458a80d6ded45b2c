using System.Globalization;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Gates;

namespace ShadowProxy.Core.Ramp;

/// <summary>
/// The ramp state machine of docs/configuration.md#ramp: pure functions from (state, options, input, time) to a
/// <see cref="RampResult"/>. It reads no clock, does no I/O and takes no lock; the host serializes
/// calls per migration and persists <see cref="RampResult.State"/> and <see cref="RampResult.Audit"/>.
/// </summary>
/// <remarks>
/// Decisions the reference docs leave open:
/// <list type="bullet">
/// <item>The "next stage" is the first later stage whose weight is at least the current weight, so a
/// promotion never lowers an explicit weight.</item>
/// <item>Promote while Paused moves a stage and stays Paused (nothing automatic restarts without a
/// resume); promote while RolledBack is refused: resume first.</item>
/// <item>An explicit weight may be any 0..100 value with two decimals, above or below the stage
/// weights; the stage becomes the one whose range [its weight, next weight) holds the weight, so
/// advancement continues from there after a resume. It pauses auto-advance and restarts the
/// MinDuration clock when the weight changes. It is allowed after a rollback (an explicit choice).</item>
/// <item>Resume after a pause keeps the stage's MinDuration clock: the weight was in force and
/// watched by the gates (and automatic rollback) during the pause. Resume after a rollback restarts
/// at the first stage with a fresh clock.</item>
/// <item>Automatic rollback protects Paused and Completed migrations too: any weight above 0.</item>
/// <item>Advancement needs the stage to have run max(MinDuration, Gates.Window), so that the window
/// judged holds only traffic of the current weight.</item>
/// <item>Rollback resets the stage to the first one (at weight 0); shadowing always continues while
/// RolledBack, whatever the stage says.</item>
/// <item>Repeating an action that is already in effect (pause, rollback, resume) is Unchanged, not a
/// refusal: an SRE hitting rollback twice must not see an error.</item>
/// </list>
/// </remarks>
public static class RampMachine
{
    public static RampResult Promote(RampState state, RampOptions options, string actor, DateTimeOffset now, string? reason = null)
    {
        Validate(state, options, actor);
        if (state.Status == MigrationStatus.RolledBack)
        {
            return RampResult.Conflict(state, $"{state.Migration} is rolled back; resume restarts the ramp at the first stage");
        }

        var next = NextStageIndex(options, state.StageIndex, state.Weight);
        if (next < 0)
        {
            return RampResult.Conflict(state, $"{state.Migration} is already at its last stage '{state.StageName}'");
        }

        var keepPaused = state.Status == MigrationStatus.Paused;
        return Change(state, ToStage(state, options, next, keepPaused, now), AuditActions.Promote, actor, AuditTrigger.Manual, reason, now);
    }

    public static RampResult SetWeight(RampState state, RampOptions options, decimal weight, string actor, DateTimeOffset now, string? reason = null)
    {
        Validate(state, options, actor);
        if (weight < 0 || weight > 100)
        {
            return RampResult.Invalid(state, Invariant($"weight {weight} is outside 0..100"));
        }

        if (decimal.Round(weight, 2) != weight)
        {
            return RampResult.Invalid(state, Invariant($"weight {weight} has more than two decimals"));
        }

        var index = StageForWeight(options, state.StageIndex, weight);
        var moved = index != state.StageIndex || weight != state.Weight;
        if (!moved && state.Status == MigrationStatus.Paused)
        {
            return RampResult.Unchanged(state, Invariant($"{state.Migration} is already paused at {weight:0.##}%"));
        }

        var after = state with
        {
            StageIndex = index,
            StageName = options.Stages[index].Name,
            Weight = weight,
            WeightOverridden = true,
            Status = MigrationStatus.Paused,
            StatusReason = reason ?? Invariant($"weight set to {weight:0.##}% by {actor}"),
            StageStartedAt = moved ? now : state.StageStartedAt,
        };
        return Change(state, after, AuditActions.Weight, actor, AuditTrigger.Manual, reason, now);
    }

    public static RampResult Pause(RampState state, RampOptions options, string actor, DateTimeOffset now, string? reason = null)
    {
        Validate(state, options, actor);
        return state.Status switch
        {
            MigrationStatus.Paused => RampResult.Unchanged(state, $"{state.Migration} is already paused"),
            MigrationStatus.RolledBack => RampResult.Unchanged(state, $"{state.Migration} is rolled back: auto-advance is already stopped"),
            MigrationStatus.Completed => RampResult.Unchanged(state, $"{state.Migration} is completed: there is nothing left to advance"),
            _ => Change(state, state with { Status = MigrationStatus.Paused, StatusReason = reason }, AuditActions.Pause, actor, AuditTrigger.Manual, reason, now),
        };
    }

    public static RampResult Resume(RampState state, RampOptions options, string actor, DateTimeOffset now, string? reason = null)
    {
        Validate(state, options, actor);
        return state.Status switch
        {
            MigrationStatus.RolledBack => Change(state, ToStage(state, options, 0, keepPaused: false, now), AuditActions.Resume, actor, AuditTrigger.Manual, reason, now),
            MigrationStatus.Paused => Change(
                state,
                state with { Status = ForwardStatus(options, state.StageIndex, state.Weight), StatusReason = null },
                AuditActions.Resume,
                actor,
                AuditTrigger.Manual,
                reason,
                now),
            _ => RampResult.Unchanged(state, $"{state.Migration} is not paused ({state.Status})"),
        };
    }

    /// <summary>Weight 0 at once, status RolledBack; shadowing continues.</summary>
    public static RampResult Rollback(RampState state, RampOptions options, string actor, AuditTrigger trigger, string? reason, DateTimeOffset now)
    {
        Validate(state, options, actor);
        if (state.Status == MigrationStatus.RolledBack)
        {
            return RampResult.Unchanged(state, $"{state.Migration} is already rolled back");
        }

        var after = state with
        {
            StageIndex = 0,
            StageName = options.Stages[0].Name,
            Weight = 0,
            WeightOverridden = false,
            Status = MigrationStatus.RolledBack,
            StatusReason = reason,
            StageStartedAt = now,
        };
        return Change(state, after, AuditActions.Rollback, actor, trigger, reason, now);
    }

    /// <summary>
    /// The timer-driven decision: automatic rollback when the candidate serves traffic and a gate
    /// failed; otherwise advancement when auto-advance runs, the stage has run long enough and every
    /// gate passed. An inconclusive report does neither.
    /// </summary>
    public static RampResult Evaluate(RampState state, RampOptions options, GateReport report, DateTimeOffset now)
    {
        Validate(state, options, AuditActors.Automatic);
        ArgumentNullException.ThrowIfNull(report);

        if (options.AutomaticRollback && state.Weight > 0 && report.Verdict == GateVerdict.Fail)
        {
            return Rollback(state, options, AuditActors.Automatic, AuditTrigger.Automatic, report.FailureReason, now);
        }

        if (!options.AutoAdvance)
        {
            return RampResult.Unchanged(state, "auto-advance is off");
        }

        if (state.Status is not (MigrationStatus.Shadowing or MigrationStatus.Ramping))
        {
            return RampResult.Unchanged(state, $"auto-advance does not run while {state.Status}");
        }

        var next = NextStageIndex(options, state.StageIndex, state.Weight);
        if (next < 0)
        {
            return RampResult.Unchanged(state, "at the last stage");
        }

        var stage = CurrentStage(state, options);
        var soak = stage.MinDuration > options.Gates.Window ? stage.MinDuration : options.Gates.Window;
        var elapsed = now - state.StageStartedAt;
        if (elapsed < soak)
        {
            return RampResult.Unchanged(state, Invariant($"stage {stage.Name} has run {Whole(elapsed)} of {soak}"));
        }

        return report.Verdict switch
        {
            GateVerdict.Pass => Change(
                state,
                ToStage(state, options, next, keepPaused: false, now),
                AuditActions.Advance,
                AuditActors.Automatic,
                AuditTrigger.Automatic,
                "gates passed: " + report.Summary,
                now),
            GateVerdict.Fail => RampResult.Unchanged(state, "gates failing: " + report.FailureReason),
            _ => RampResult.Unchanged(state, "gates inconclusive: " + report.Summary),
        };
    }

    /// <summary>
    /// Fits a persisted state to the current configuration at start-up. The stage is found by name,
    /// else its index is clamped to the stage list. A weight is never raised: a stage weight lowered in
    /// the configuration lowers the state's weight, an explicit weight is kept. Paused and RolledBack
    /// stay; other statuses follow the (possibly new) stage list.
    /// </summary>
    public static RampResult Restore(RampState persisted, RampOptions options, DateTimeOffset now)
    {
        Validate(persisted, options, AuditActors.System);
        var stages = options.Stages;
        var index = IndexOfStage(stages, persisted.StageName) ?? Math.Clamp(persisted.StageIndex, 0, stages.Count - 1);
        var stage = stages[index];

        var weight = decimal.Round(Math.Clamp(persisted.Weight, 0, 100), 2, MidpointRounding.ToZero);
        var status = persisted.Status;
        if (status == MigrationStatus.RolledBack)
        {
            weight = 0;
        }
        else
        {
            if (!persisted.WeightOverridden)
            {
                weight = Math.Min(weight, stage.Weight);
            }

            if (status != MigrationStatus.Paused)
            {
                status = ForwardStatus(options, index, weight);
            }
        }

        // The same stage at a new index keeps its clock; another stage or weight starts a new one.
        var moved = stage.Name != persisted.StageName || weight != persisted.Weight;
        var restored = persisted with
        {
            StageIndex = index,
            StageName = stage.Name,
            Weight = weight,
            Status = status,
            StageStartedAt = moved ? now : persisted.StageStartedAt,
        };
        if (restored == persisted)
        {
            return RampResult.Unchanged(persisted, "the persisted state fits the configuration");
        }

        return Change(persisted, restored, AuditActions.Restore, AuditActors.System, AuditTrigger.Automatic, "the stage configuration changed since the state was saved", now);
    }

    /// <summary>Whether requests are mirrored now: the stage's Shadow flag, and always while RolledBack.</summary>
    public static bool ShadowEnabled(RampState state, RampOptions options) =>
        state.Status == MigrationStatus.RolledBack || CurrentStage(state, options).Shadow;

    public static StageOptions CurrentStage(RampState state, RampOptions options)
    {
        ArgumentNullException.ThrowIfNull(state);
        var stages = Stages(options);
        return stages[Math.Clamp(state.StageIndex, 0, stages.Count - 1)];
    }

    /// <summary>The stage a promotion or an advance would move to; null at the last stage.</summary>
    public static StageOptions? NextStage(RampState state, RampOptions options)
    {
        ArgumentNullException.ThrowIfNull(state);
        var next = NextStageIndex(options, state.StageIndex, state.Weight);
        return next < 0 ? null : options.Stages[next];
    }

    internal static IReadOnlyList<StageOptions> Stages(RampOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Stages.Count > 0 ? options.Stages : throw new ArgumentException("Ramp:Stages is empty.", nameof(options));
    }

    /// <summary>Shadowing at weight 0, Completed when no stage is left to move to, else Ramping.</summary>
    internal static MigrationStatus ForwardStatus(RampOptions options, int index, decimal weight) =>
        weight == 0 ? MigrationStatus.Shadowing
        : NextStageIndex(options, index, weight) < 0 ? MigrationStatus.Completed
        : MigrationStatus.Ramping;

    private static int NextStageIndex(RampOptions options, int index, decimal weight)
    {
        var stages = Stages(options);
        for (var j = Math.Max(index + 1, 0); j < stages.Count; j++)
        {
            if (stages[j].Weight >= weight)
            {
                return j;
            }
        }

        return -1;
    }

    /// <summary>
    /// The stage an explicit weight belongs to: the current one when the weight lies in its range,
    /// else the first of the stages with the highest weight not above it (so 100 lands on a
    /// reverse-shadow stage before a no-shadow one).
    /// </summary>
    private static int StageForWeight(RampOptions options, int current, decimal weight)
    {
        var stages = options.Stages;
        var last = stages.Count - 1;
        current = Math.Clamp(current, 0, last);
        if (stages[current].Weight <= weight && (current == last || stages[current + 1].Weight > weight))
        {
            return current;
        }

        var j = -1;
        for (var i = 0; i <= last; i++)
        {
            if (stages[i].Weight <= weight)
            {
                j = i;
            }
        }

        if (j < 0)
        {
            return 0;
        }

        while (j > 0 && stages[j - 1].Weight == stages[j].Weight)
        {
            j--;
        }

        return j;
    }

    private static int? IndexOfStage(IReadOnlyList<StageOptions> stages, string name)
    {
        for (var i = 0; i < stages.Count; i++)
        {
            if (string.Equals(stages[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return null;
    }

    private static RampState ToStage(RampState state, RampOptions options, int index, bool keepPaused, DateTimeOffset now)
    {
        var stage = options.Stages[index];
        var status = ForwardStatus(options, index, stage.Weight);
        if (keepPaused && status != MigrationStatus.Completed)
        {
            status = MigrationStatus.Paused;
        }

        return state with
        {
            StageIndex = index,
            StageName = stage.Name,
            Weight = stage.Weight,
            WeightOverridden = false,
            Status = status,
            StatusReason = status == MigrationStatus.Paused ? state.StatusReason : null,
            StageStartedAt = now,
        };
    }

    private static RampResult Change(RampState before, RampState after, string action, string actor, AuditTrigger trigger, string? reason, DateTimeOffset now)
    {
        after = after with { Version = before.Version + 1, LastChangedAt = now };
        return new RampResult
        {
            Outcome = RampOutcome.Changed,
            State = after,
            Reason = reason,
            Audit = new AuditEntry
            {
                Time = now,
                Migration = before.Migration,
                Actor = actor,
                Action = action,
                From = before.Describe(),
                To = after.Describe(),
                Reason = reason,
                Trigger = trigger,
                Version = after.Version,
            },
        };
    }

    private static void Validate(RampState state, RampOptions options, string actor)
    {
        ArgumentNullException.ThrowIfNull(state);
        Stages(options);
        ArgumentException.ThrowIfNullOrEmpty(actor);
    }

    private static TimeSpan Whole(TimeSpan value) => TimeSpan.FromSeconds(Math.Floor(value.TotalSeconds));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
