namespace ShadowProxy.Core.Ramp;

/// <summary>The <see cref="AuditEntry.Action"/> values.</summary>
public static class AuditActions
{
    public const string Promote = "promote";
    public const string Weight = "weight";
    public const string Pause = "pause";
    public const string Resume = "resume";
    public const string Rollback = "rollback";
    public const string Advance = "advance";
    public const string Restore = "restore";
}
