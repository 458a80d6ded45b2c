using System.Text.Json;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Notifications;
using ShadowProxy.Core.Ramp;
using ShadowProxy.Core.Tests.Gates;

namespace ShadowProxy.Core.Tests.Notifications;

public sealed class NotificationPayloadTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Event_names_round_trip_and_audit_actions_map_to_events()
    {
        foreach (var value in Enum.GetValues<NotificationEvent>())
        {
            Assert.True(NotificationEvents.TryParse(value.Name(), out var parsed));
            Assert.Equal(value, parsed);
        }

        Assert.Equal("gate_failed", NotificationEvent.GateFailed.Name());
        Assert.False(NotificationEvents.TryParse("rolled_back", out _));
        Assert.Equal(NotificationEvent.Advance, NotificationEvents.ForAction(AuditActions.Promote));
        Assert.Equal(NotificationEvent.Advance, NotificationEvents.ForAction(AuditActions.Advance));
        Assert.Equal(NotificationEvent.Rollback, NotificationEvents.ForAction(AuditActions.Rollback));
        Assert.Null(NotificationEvents.ForAction(AuditActions.Restore));
    }

    [Fact]
    public void An_automatic_rollback_carries_its_evidence_in_Json_and_Slack_form()
    {
        var notification = AutomaticRollback();

        using var json = JsonDocument.Parse(NotificationPayload.Render(notification, WebhookFormat.Json));
        var root = json.RootElement;
        Assert.Equal("rollback", root.GetProperty("event").GetString());
        Assert.Equal("automatic", root.GetProperty("trigger").GetString());
        Assert.Equal("canary", root.GetProperty("from").GetProperty("stage").GetString());
        Assert.Equal(5, root.GetProperty("from").GetProperty("weight").GetDecimal());
        Assert.Equal("RolledBack", root.GetProperty("to").GetProperty("status").GetString());
        Assert.Equal("Fail", root.GetProperty("gates").GetProperty("verdict").GetString());
        var errors = root.GetProperty("gates").GetProperty("items").EnumerateArray().Single(g => g.GetProperty("gate").GetString() == "error_rate_increase");
        Assert.Equal(0.25, errors.GetProperty("value").GetDouble(), 6);
        Assert.Equal("Fail", errors.GetProperty("verdict").GetString());

        using var slack = JsonDocument.Parse(NotificationPayload.Render(notification, WebhookFormat.Slack));
        var text = Assert.Single(slack.RootElement.EnumerateObject()).Value.GetString()!;
        Assert.StartsWith(":rotating_light: *orders* rolled back (automatic, by automatic): error rate increase", text, StringComparison.Ordinal);
        Assert.Contains("stage canary (5%, Completed) → shadow (0%, RolledBack)", text, StringComparison.Ordinal);
        Assert.Contains("• fail: error rate increase", text, StringComparison.Ordinal);
    }

    private static Notification AutomaticRollback()
    {
        var gates = new GateOptions { MinSamples = 100 };
        var window = WindowStatsBuilder.Healthy() with { Candidate = WindowStatsBuilder.Backend(400, errors: 100) };
        var report = GateEvaluator.Evaluate(window, gates);
        var ramp = new RampOptions
        {
            Stages = [new StageOptions { Name = "shadow", Weight = 0 }, new StageOptions { Name = "canary", Weight = 5 }],
        };
        var before = RampMachine.Promote(RampState.Initial("orders", ramp, Now), ramp, "ci-bot", Now).State;
        var after = RampMachine.Rollback(before, ramp, AuditActors.Automatic, AuditTrigger.Automatic, report.FailureReason, Now);
        return Notification.ForChange(after.Audit!, before, after.State, report, "proxy-1")!;
    }
}
