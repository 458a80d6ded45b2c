namespace ShadowProxy.Core.Ramp;

/// <summary>Whether a key holder asked for a change (manual) or the proxy made it itself: gates, start-up restore (automatic).</summary>
public enum AuditTrigger
{
    Manual,
    Automatic,
}
