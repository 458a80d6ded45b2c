using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Ramp;

namespace ShadowProxy.Core.Notifications;

/// <summary>
/// One decision to tell people about: what happened to which migration, who or what caused it and why,
/// the ramp before and after, and the gate values that drove it (or stood at the time, for manual changes).
/// </summary>
public sealed record Notification
{
    public required NotificationEvent Event { get; init; }

    public required string Migration { get; init; }

    public required AuditTrigger Trigger { get; init; }

    /// <summary>The API key's name, or <c>automatic</c>.</summary>
    public required string Actor { get; init; }

    public string? Reason { get; init; }

    public required DateTimeOffset Time { get; init; }

    public required RampPosition From { get; init; }

    public required RampPosition To { get; init; }

    /// <summary>The gates on the window the decision was taken on; null when none was evaluated yet.</summary>
    public GateReport? Gates { get; init; }

    /// <summary>The instance that took the decision (fleet mode: exactly one instance sends each notification).</summary>
    public string? Instance { get; init; }

    /// <summary>A change this instance applied, from its audit entry and the states around it.</summary>
    public static Notification? ForChange(AuditEntry audit, RampState before, RampState after, GateReport? gates, string? instance) =>
        NotificationEvents.ForAction(audit.Action) is { } kind
            ? new Notification
            {
                Event = kind,
                Migration = audit.Migration,
                Trigger = audit.Trigger,
                Actor = audit.Actor,
                Reason = audit.Reason,
                Time = audit.Time,
                From = RampPosition.Of(before),
                To = RampPosition.Of(after),
                Gates = gates,
                Instance = instance,
            }
            : null;
}
