using System.Globalization;
using ShadowProxy.Core.Configuration;

namespace ShadowProxy.Core.Ramp;

/// <summary>
/// Where one migration stands: immutable; every change goes through <see cref="RampMachine"/>, which
/// returns a new state with <see cref="Version"/> one higher.
/// </summary>
public sealed record RampState
{
    public required string Migration { get; init; }

    /// <summary>Index into <see cref="RampOptions.Stages"/>.</summary>
    public required int StageIndex { get; init; }

    /// <summary>The stage's name, kept so that a restart can find the stage in a changed stage list.</summary>
    public required string StageName { get; init; }

    /// <summary>Percentage of cohorts served by the candidate, 0..100 with up to two decimals.</summary>
    public required decimal Weight { get; init; }

    public required MigrationStatus Status { get; init; }

    /// <summary>True when the weight was set explicitly rather than taken from the stage.</summary>
    public bool WeightOverridden { get; init; }

    /// <summary>When the current stage (or explicit weight) came into force: MinDuration counts from here.</summary>
    public required DateTimeOffset StageStartedAt { get; init; }

    /// <summary>One higher on every change (fleet mode orders writes by it).</summary>
    public required long Version { get; init; }

    public required DateTimeOffset LastChangedAt { get; init; }

    /// <summary>The reason of the last pause or rollback while in that status, for dashboards.</summary>
    public string? StatusReason { get; init; }

    public static RampState Initial(string migration, RampOptions options, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(migration);
        var stage = RampMachine.Stages(options)[0];
        return new RampState
        {
            Migration = migration,
            StageIndex = 0,
            StageName = stage.Name,
            Weight = stage.Weight,
            Status = RampMachine.ForwardStatus(options, 0, stage.Weight),
            StageStartedAt = now,
            Version = 1,
            LastChangedAt = now,
        };
    }

    /// <summary>A short description for audit entries and logs, e.g. "stage canary (1%) Ramping".</summary>
    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"stage {StageName} ({Weight:0.##}%{(WeightOverridden ? " explicit" : string.Empty)}) {Status}");
}
