using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ShadowProxy.Notifications;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Notifications;

/// <summary>
/// docs/configuration.md#notifications webhooks, received by a real Kestrel receiver: the evidence of each decision arrives, in
/// JSON and Slack form; deliveries are retried and counted; a receiver that hangs never holds back a rollback.
/// </summary>
public sealed class WebhookTests
{
    private static readonly WebhookNotifier.RetryPolicy FastRetries = new(3, TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(2));

    [Fact]
    public async Task A_manual_rollback_reaches_the_receiver_with_its_reason_actor_stages_and_gate_values()
    {
        await using var receiver = await TestBackend.StartAsync("receiver", _ => Task.CompletedTask);
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = Config(legacy, candidate);
        config["ShadowProxy:Notifications:Webhooks:0:Url"] = new Uri(receiver.Address, "/hooks/shadowproxy").ToString();
        config["ShadowProxy:Notifications:Webhooks:0:Events:0"] = "rollback";
        await using var proxy = await TestProxy.StartAsync(config);

        (await proxy.Admin.PostAsync("/api/v1/migrations/orders/promote", null)).EnsureSuccessStatusCode();
        using var rollback = await proxy.Admin.PostAsync("/api/v1/migrations/orders/rollback", Json("""{"reason":"candidate returns stale prices"}"""));
        rollback.EnsureSuccessStatusCode();

        var delivery = await SingleDeliveryAsync(receiver, "rollback");
        Assert.Equal("POST", delivery.Request.Method);
        Assert.Equal("/hooks/shadowproxy", delivery.Request.Path);
        Assert.StartsWith("application/json", delivery.Request.Header("Content-Type"));
        var body = delivery.Body;
        Assert.Equal("orders", body.GetProperty("migration").GetString());
        Assert.Equal("manual", body.GetProperty("trigger").GetString());
        Assert.Equal(ShadowProxy.Admin.ApiKeyAuthenticator.OpenAccess.Name, body.GetProperty("actor").GetString());
        Assert.Equal("candidate returns stale prices", body.GetProperty("reason").GetString());
        Assert.Equal("canary", body.GetProperty("from").GetProperty("stage").GetString());
        Assert.Equal(50, body.GetProperty("from").GetProperty("weight").GetDecimal());
        Assert.Equal(0, body.GetProperty("to").GetProperty("weight").GetDecimal());
        Assert.Equal("RolledBack", body.GetProperty("to").GetProperty("status").GetString());
        var gates = body.GetProperty("gates").GetProperty("items").EnumerateArray().Select(g => g.GetProperty("gate").GetString()).ToList();
        Assert.Equal(["diff_rate", "error_rate_increase", "p99_latency_ratio"], gates);

        // Only subscribed events are sent: the promote before it was not.
        Assert.Single(receiver.Requests);

        // The receiver has the request before the notifier has its answer, and counts it.
        await Eventually.True(
            () => PrometheusText.ScrapeAsync(proxy.Admin).GetAwaiter().GetResult().Value("shadowproxy_notifications_total", "outcome=sent") == 1,
            "the delivery is counted as sent", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task An_automatic_rollback_sends_the_failing_gate_and_its_value_in_Json_and_Slack_form()
    {
        await using var receiver = await TestBackend.StartAsync("receiver", _ => Task.CompletedTask);
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate", context =>
        {
            context.Response.StatusCode = 500;
            return Task.CompletedTask;
        });
        var config = Config(legacy, candidate);
        config["ShadowProxy:Migrations:orders:Ramp:AutomaticRollback"] = "true";
        config["ShadowProxy:Migrations:orders:Ramp:Gates:MinSamples"] = "5";
        config["ShadowProxy:Migrations:orders:Failover:Enabled"] = "false";
        config["ShadowProxy:Notifications:Webhooks:0:Url"] = new Uri(receiver.Address, "/json").ToString();
        config["ShadowProxy:Notifications:Webhooks:1:Url"] = new Uri(receiver.Address, "/slack").ToString();
        config["ShadowProxy:Notifications:Webhooks:1:Format"] = "Slack";
        config["ShadowProxy:Notifications:Webhooks:1:Events:0"] = "rollback";
        await using var proxy = await TestProxy.StartAsync(config);
        (await proxy.Admin.PostAsync("/api/v1/migrations/orders/promote", Json("""{"reason":"canary"}"""))).EnsureSuccessStatusCode();

        // Every candidate answer is a 500 (live at 50 %, shadow otherwise): the error-rate gate fails.
        await Eventually.True(() =>
        {
            using var response = proxy.Client.GetAsync($"/api/orders/{Random.Shared.Next()}").GetAwaiter().GetResult();
            return receiver.Requests.Any(r => r.Path == "/json" && Event(r) == "rollback");
        }, "an automatic rollback was notified", TimeSpan.FromSeconds(60));

        var rollback = await SingleDeliveryAsync(receiver, "rollback", "/json");
        Assert.Equal("automatic", rollback.Body.GetProperty("trigger").GetString());
        Assert.Equal("automatic", rollback.Body.GetProperty("actor").GetString());
        Assert.Contains("error rate increase", rollback.Body.GetProperty("reason").GetString());
        Assert.Equal("Fail", rollback.Body.GetProperty("gates").GetProperty("verdict").GetString());
        var errorGate = rollback.Body.GetProperty("gates").GetProperty("items").EnumerateArray().Single(g => g.GetProperty("gate").GetString() == "error_rate_increase");
        Assert.Equal("Fail", errorGate.GetProperty("verdict").GetString());
        Assert.True(errorGate.GetProperty("value").GetDouble() > errorGate.GetProperty("threshold").GetDouble());

        var gateFailed = receiver.Requests.First(r => r.Path == "/json" && Event(r) == "gate_failed");
        using (var gateFailedBody = JsonDocument.Parse(gateFailed.Body))
        {
            Assert.Contains("error rate increase", gateFailedBody.RootElement.GetProperty("reason").GetString());
        }

        await Eventually.True(() => receiver.Requests.Any(r => r.Path == "/slack"), "the Slack webhook got the rollback");
        var text = Assert.Single(receiver.Requests, r => r.Path == "/slack");
        using var slackBody = JsonDocument.Parse(text.Body);
        var message = slackBody.RootElement.GetProperty("text").GetString()!;
        Assert.Contains("*orders* rolled back (automatic", message);
        Assert.Contains("error rate increase", message);
        Assert.Contains("→", message);
    }

    [Fact]
    public async Task Failed_deliveries_are_retried_with_backoff_and_counted()
    {
        var calls = 0;
        await using var receiver = await TestBackend.StartAsync("receiver", context =>
        {
            // /flaky fails twice, then accepts; /down always fails.
            var flaky = context.Request.Path == "/flaky";
            context.Response.StatusCode = flaky && Interlocked.Increment(ref calls) > 2 ? 204 : 503;
            return Task.CompletedTask;
        });
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = Config(legacy, candidate);
        config["ShadowProxy:Notifications:Webhooks:0:Url"] = new Uri(receiver.Address, "/flaky").ToString();
        config["ShadowProxy:Notifications:Webhooks:1:Url"] = new Uri(receiver.Address, "/down").ToString();
        await using var proxy = await TestProxy.StartAsync(config, services => services.AddSingleton(FastRetries));

        (await proxy.Admin.PostAsync("/api/v1/migrations/orders/pause", Json("""{"reason":"look at diffs"}"""))).EnsureSuccessStatusCode();

        await Eventually.True(() =>
        {
            var metrics = PrometheusText.ScrapeAsync(proxy.Admin).GetAwaiter().GetResult();
            return metrics.Value("shadowproxy_notifications_total", "outcome=sent") == 1 && metrics.Value("shadowproxy_notifications_total", "outcome=failed") == 1;
        }, "one delivery succeeded after retries and one failed after all of them", TimeSpan.FromSeconds(30));
        Assert.Equal(3, receiver.Requests.Count(r => r.Path == "/flaky"));
        Assert.Equal(1 + FastRetries.MaxRetries, receiver.Requests.Count(r => r.Path == "/down"));
        Assert.All(receiver.Requests, r => Assert.Equal("paused", Event(r)));
    }

    [Fact]
    public async Task A_receiver_that_never_answers_does_not_hold_back_a_rollback()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var receiver = await TestBackend.StartAsync("receiver", context => release.Task.WaitAsync(context.RequestAborted));
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = Config(legacy, candidate);
        config["ShadowProxy:Notifications:Webhooks:0:Url"] = new Uri(receiver.Address, "/hang").ToString();
        await using var proxy = await TestProxy.StartAsync(config);
        (await proxy.Admin.PostAsync("/api/v1/migrations/orders/promote", null)).EnsureSuccessStatusCode();
        await Eventually.True(() => receiver.Started >= 1, "the receiver holds the first notification");

        // The notification of the promote hangs in the receiver; rollbacks still apply at once, one after another.
        for (var i = 0; i < 3; i++)
        {
            using var rollback = await proxy.Admin.PostAsync("/api/v1/migrations/orders/rollback", Json("""{"reason":"receiver is stuck"}"""));
            Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
            using var resume = await proxy.Admin.PostAsync("/api/v1/migrations/orders/resume", null);
            Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
            (await proxy.Admin.PostAsync("/api/v1/migrations/orders/promote", null)).EnsureSuccessStatusCode();
        }

        using (var last = await proxy.Admin.PostAsync("/api/v1/migrations/orders/rollback", Json("""{"reason":"done"}""")))
        {
            Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        }

        using var served = await proxy.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/orders/1") { Headers = { { "X-User-Id", "user-1" } } });
        Assert.Equal("legacy", served.Headers.GetValues("X-Backend").Single());
        release.SetResult();
    }

    private static Dictionary<string, string?> Config(TestBackend legacy, TestBackend candidate)
    {
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address, "/api/orders/{**rest}");
        config["ShadowProxy:Migrations:orders:Ramp:Stages:1:Name"] = "canary";
        config["ShadowProxy:Migrations:orders:Ramp:Stages:1:Weight"] = "50";
        return config;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string? Event(ReceivedRequest request)
    {
        using var json = JsonDocument.Parse(request.Body);
        return json.RootElement.TryGetProperty("event", out var value) ? value.GetString() : null;
    }

    private static async Task<(ReceivedRequest Request, JsonElement Body)> SingleDeliveryAsync(TestBackend receiver, string @event, string path = "")
    {
        await Eventually.True(() => receiver.Requests.Any(r => r.Path.StartsWith(path, StringComparison.Ordinal) && Event(r) == @event), $"the receiver got {@event}", TimeSpan.FromSeconds(30));
        var request = Assert.Single(receiver.Requests, r => r.Path.StartsWith(path, StringComparison.Ordinal) && Event(r) == @event);
        using var json = JsonDocument.Parse(request.Body);
        return (request, json.RootElement.Clone());
    }
}
