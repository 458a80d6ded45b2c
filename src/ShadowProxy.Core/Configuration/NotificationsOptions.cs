using ShadowProxy.Core.Notifications;

namespace ShadowProxy.Core.Configuration;

/// <summary><c>Notifications</c>: who is told about ramp decisions (docs/configuration.md#notifications).</summary>
public sealed record NotificationsOptions
{
    public IReadOnlyList<WebhookOptions> Webhooks { get; init; } = [];
}

public enum WebhookFormat
{
    /// <summary>The notification as a JSON document (see README, "Notifications").</summary>
    Json,

    /// <summary>A Slack-compatible <c>{"text": "..."}</c> payload (Slack, Mattermost, Rocket.Chat incoming webhooks).</summary>
    Slack,
}

/// <summary>One webhook: a POST to <see cref="Url"/> on each of <see cref="Events"/>.</summary>
public sealed record WebhookOptions
{
    /// <summary>The receiver. It may carry a secret (a Slack webhook's path does): never logged or echoed, only its host.</summary>
    [RequiredKey("an absolute http:// or https:// URL to POST notifications to")]
    [SecretValue]
    public required Uri Url { get; init; }

    /// <summary>The events sent; every event when the key is left out.</summary>
    public IReadOnlyList<NotificationEvent> Events { get; init; } = Enum.GetValues<NotificationEvent>();

    public WebhookFormat Format { get; init; } = WebhookFormat.Json;
}
