using System.Globalization;
using System.Text;
using System.Text.Json;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Gates;

namespace ShadowProxy.Core.Notifications;

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
