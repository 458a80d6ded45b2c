namespace ShadowProxy.Core.Ramp;

/// <summary>The status names of docs/admin-api.md#migrations-and-the-ramp.</summary>
public enum MigrationStatus
{
    /// <summary>Weight 0, auto-advance running (or idle when AutoAdvance is off).</summary>
    Shadowing,

    /// <summary>Weight above 0, moving forward.</summary>
    Ramping,

    /// <summary>Auto-advance stopped by a pause or an explicit weight; automatic rollback still protects.</summary>
    Paused,

    /// <summary>Weight 0 after a rollback; shadowing continues; resume restarts at the first stage.</summary>
    RolledBack,

    /// <summary>The last stage is reached (with a weight above 0).</summary>
    Completed,
}
