using ShadowProxy.Core.Ramp;

namespace ShadowProxy.Core.Notifications;

/// <summary>Where a migration stood before or after a change.</summary>
public sealed record RampPosition(string Stage, int StageIndex, decimal Weight, MigrationStatus Status)
{
    public static RampPosition Of(RampState state) => new(state.StageName, state.StageIndex, state.Weight, state.Status);
}
