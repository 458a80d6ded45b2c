using System.Globalization;

namespace ShadowProxy.Core.Ramp;

/// <summary>One state change, as plain data (store it as is; <see cref="ToString"/> renders one line).</summary>
public sealed record AuditEntry
{
    public required DateTimeOffset Time { get; init; }

    public required string Migration { get; init; }

    /// <summary>The API key's name, or <see cref="AuditActors.Automatic"/> / <see cref="AuditActors.System"/>.</summary>
    public required string Actor { get; init; }

    /// <summary>One of <see cref="AuditActions"/>.</summary>
    public required string Action { get; init; }

    /// <summary>The state before, e.g. "stage canary (1%) Ramping".</summary>
    public required string From { get; init; }

    /// <summary>The state after.</summary>
    public required string To { get; init; }

    public string? Reason { get; init; }

    public required AuditTrigger Trigger { get; init; }

    /// <summary>The <see cref="RampState.Version"/> this change produced.</summary>
    public required long Version { get; init; }

    public override string ToString()
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"{Time:u} {Migration} {Action} by {Actor} ({Trigger.ToString().ToLowerInvariant()}): {From} → {To}");
        return string.IsNullOrEmpty(Reason) ? line : line + ": " + Reason;
    }
}
