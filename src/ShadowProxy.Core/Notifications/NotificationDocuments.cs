namespace ShadowProxy.Core.Notifications;

/// <summary>The JSON a generic webhook receives (camelCase), one record per object of the document.</summary>
public sealed record NotificationDocument(
    string Event, string Migration, string Trigger, string Actor, string? Reason, DateTimeOffset Time,
    PositionDocument From, PositionDocument To, GatesDocument? Gates, string? Instance);

public sealed record PositionDocument(string Stage, int StageIndex, decimal Weight, string Status);

public sealed record GatesDocument(string Verdict, string? FailureReason, IReadOnlyList<GateDocument> Items);

public sealed record GateDocument(string Gate, string Name, double? Value, double Threshold, string Verdict, long Samples, long RequiredSamples, string Detail);

/// <summary>The body of a Slack incoming webhook.</summary>
public sealed record SlackMessage(string Text);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(NotificationDocument))]
[System.Text.Json.Serialization.JsonSerializable(typeof(SlackMessage))]
internal sealed partial class PayloadJson : System.Text.Json.Serialization.JsonSerializerContext;
