using ShadowProxy.Core.Ramp;

namespace ShadowProxy.Core.Storage;

/// <summary>The <see cref="AuditEntry.Action"/> values of noise marks, and their audit entries, the same in every store.</summary>
public static class NoiseAuditActions
{
    public const string Mark = "noise-mark";
    public const string Unmark = "noise-unmark";

    /// <summary>How a mark reads in an audit entry's From/To, e.g. "$.meta.id on GET /api/orders/{id}".</summary>
    public static string Describe(string path, string? endpoint) => endpoint is null ? path + " on every endpoint" : path + " on " + endpoint;

    /// <summary>The audit entry of a mark (<see cref="Mark"/>) or an unmark (<see cref="Unmark"/>).</summary>
    /// <param name="version">The ramp state's version in force: noise marks do not change the ramp state.</param>
    public static AuditEntry Entry(string action, string migration, string path, string? endpoint, string actor, DateTimeOffset at, string? reason, long version)
    {
        var described = Describe(path, endpoint);
        var marked = action == Mark;
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
