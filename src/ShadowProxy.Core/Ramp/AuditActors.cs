namespace ShadowProxy.Core.Ramp;

/// <summary>The <see cref="AuditEntry.Actor"/> of changes no API key asked for.</summary>
public static class AuditActors
{
    /// <summary>Gate-driven advance and rollback.</summary>
    public const string Automatic = "automatic";

    /// <summary>Clamping of persisted state to the configuration at start-up.</summary>
    public const string System = "system";
}
