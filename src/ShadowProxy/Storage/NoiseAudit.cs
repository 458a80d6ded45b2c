using ShadowProxy.Core.Ramp;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Storage;

/// <summary>The audit entry of a noise mark or unmark, the same in every store.</summary>
internal static class NoiseAudit
{
    /// <param name="version">The ramp state's version in force: noise marks do not change the ramp state.</param>
    public static AuditEntry Create(string action, string migration, string path, string? endpoint, string actor, DateTimeOffset at, string? reason, long version)
    {
        var described = NoiseAuditActions.Describe(path, endpoint);
        var marked = action == NoiseAuditActions.Mark;
        return new AuditEntry
        {
            Time = at,
            Migration = migration,
            Actor = actor,
            Action = action,
            From = marked ? "difference: " + described : "noise: " + described,
            To = marked ? "noise: " + described : "difference: " + described,
            Reason = reason,
            Trigger = AuditTrigger.Manual,
            Version = version,
        };
    }
}
