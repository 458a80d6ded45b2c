using System.Globalization;
using System.Text;
using System.Text.Json;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Ramp;

namespace ShadowProxy.Core.Notifications;

/// <summary>Where a migration stood before or after a change.</summary>
public sealed record RampPosition(string Stage, int StageIndex, decimal Weight, MigrationStatus Status)
{
    public static RampPosition Of(RampState state) => new(state.StageName, state.StageIndex, state.Weight, state.Status);
}

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

/// <summary>Renders a <see cref="Notification"/> as the body a webhook receives.</summary>
public static class NotificationPayload
{
    public static byte[] Render(Notification notification, WebhookFormat format) => format switch
    {
        WebhookFormat.Slack => JsonSerializer.SerializeToUtf8Bytes(new SlackMessage(SlackText(notification)), PayloadJson.Default.SlackMessage),
        _ => JsonSerializer.SerializeToUtf8Bytes(Document(notification), PayloadJson.Default.NotificationDocument),
    };

    public static NotificationDocument Document(Notification n) => new(
        n.Event.Name(),
        n.Migration,
        n.Trigger.ToString().ToLowerInvariant(),
        n.Actor,
        n.Reason,
        n.Time,
        Position(n.From),
        Position(n.To),
        n.Gates is { } report ? new GatesDocument(report.Verdict.ToString(), report.FailureReason, report.Gates.Select(Gate).ToList()) : null,
        n.Instance);

    /// <summary>One line per fact, Slack mrkdwn: what happened first, then the ramp, then each gate.</summary>
    public static string SlackText(Notification n)
    {
        var text = new StringBuilder();
        var what = n.Event switch
        {
            NotificationEvent.Rollback => "rolled back",
            NotificationEvent.Advance => "advanced",
            NotificationEvent.GateFailed => "failed a gate",
            NotificationEvent.Paused => "paused",
            NotificationEvent.Resumed => "resumed",
            _ => "weight set",
        };
        var icon = n.Event is NotificationEvent.Rollback or NotificationEvent.GateFailed ? ":rotating_light: " : string.Empty;
        text.Append(CultureInfo.InvariantCulture, $"{icon}*{n.Migration}* {what} ({n.Trigger.ToString().ToLowerInvariant()}, by {n.Actor})");
        if (!string.IsNullOrEmpty(n.Reason))
        {
            text.Append(": ").Append(n.Reason);
        }

        text.Append(CultureInfo.InvariantCulture, $"\nstage {n.From.Stage} ({n.From.Weight:0.##}%, {n.From.Status}) → {n.To.Stage} ({n.To.Weight:0.##}%, {n.To.Status})");
        if (n.Gates is { } report)
        {
            foreach (var gate in report.Gates)
            {
                text.Append(CultureInfo.InvariantCulture, $"\n• {gate.Verdict.ToString().ToLowerInvariant()}: {gate.Detail}");
            }
        }

        return text.ToString();
    }

    private static PositionDocument Position(RampPosition p) => new(p.Stage, p.StageIndex, p.Weight, p.Status.ToString());

    private static GateDocument Gate(GateResult g) => new(
        GateNames.Label(g.Gate), g.Name, g.Value is { } v && double.IsFinite(v) ? v : null, g.Threshold, g.Verdict.ToString(), g.Samples, g.RequiredSamples, g.Detail);
}

/// <summary>The <c>gate</c> names used in metric labels and payloads.</summary>
public static class GateNames
{
    /// <summary><c>diff_rate</c>, <c>error_rate_increase</c>, <c>p99_latency_ratio</c>: the kind in snake case.</summary>
    public static string Label(GateKind gate)
    {
        var name = gate.ToString();
        var label = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                label.Append('_');
            }

            label.Append(char.ToLowerInvariant(name[i]));
        }

        return label.ToString();
    }
}

public sealed record NotificationDocument(
    string Event, string Migration, string Trigger, string Actor, string? Reason, DateTimeOffset Time,
    PositionDocument From, PositionDocument To, GatesDocument? Gates, string? Instance);

public sealed record PositionDocument(string Stage, int StageIndex, decimal Weight, string Status);

public sealed record GatesDocument(string Verdict, string? FailureReason, IReadOnlyList<GateDocument> Items);

public sealed record GateDocument(string Gate, string Name, double? Value, double Threshold, string Verdict, long Samples, long RequiredSamples, string Detail);

public sealed record SlackMessage(string Text);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(NotificationDocument))]
[System.Text.Json.Serialization.JsonSerializable(typeof(SlackMessage))]
internal sealed partial class PayloadJson : System.Text.Json.Serialization.JsonSerializerContext;
