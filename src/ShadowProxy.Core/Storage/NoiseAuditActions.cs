using ShadowProxy.Core.Ramp;

namespace ShadowProxy.Core.Storage;

/// <summary>The <see cref="AuditEntry.Action"/> values of noise marks.</summary>
public static class NoiseAuditActions
{
    public const string Mark = "noise-mark";
    public const string Unmark = "noise-unmark";

    /// <summary>How a mark reads in an audit entry's From/To, e.g. "$.meta.id on GET /api/orders/{id}".</summary>
    public static string Describe(string path, string? endpoint) => endpoint is null ? path + " on every endpoint" : path + " on " + endpoint;
}
