namespace ShadowProxy.Core.Notifications;

/// <summary>The events (docs/configuration.md#notifications) a webhook can subscribe to; <see cref="NotificationEvents.Name"/> gives the wire name.</summary>
public enum NotificationEvent
{
    Rollback,
    Advance,
    GateFailed,
    Paused,
    Resumed,
    Weight,
}

public static class NotificationEvents
{
    private static readonly string[] Names = ["rollback", "advance", "gate_failed", "paused", "resumed", "weight"];

    /// <summary>The name in configuration and payloads: <c>rollback</c>, <c>advance</c>, <c>gate_failed</c>, <c>paused</c>, <c>resumed</c>, <c>weight</c>.</summary>
    public static string Name(this NotificationEvent value) => Names[(int)value];

    public static IReadOnlyList<string> All => Names;

    public static bool TryParse(string name, out NotificationEvent value)
    {
        var index = Array.FindIndex(Names, n => n.Equals(name, StringComparison.OrdinalIgnoreCase));
        value = index < 0 ? default : (NotificationEvent)index;
        return index >= 0;
    }

    /// <summary>The event an audited change is notified as: promote is a manual advance; a restore is not notified.</summary>
    public static NotificationEvent? ForAction(string action) => action switch
    {
        Ramp.AuditActions.Rollback => NotificationEvent.Rollback,
        Ramp.AuditActions.Advance or Ramp.AuditActions.Promote => NotificationEvent.Advance,
        Ramp.AuditActions.Pause => NotificationEvent.Paused,
        Ramp.AuditActions.Resume => NotificationEvent.Resumed,
        Ramp.AuditActions.Weight => NotificationEvent.Weight,
        _ => null,
    };
}
