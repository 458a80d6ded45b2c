using System.Text;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Replay;
using ShadowProxy.Core.Storage;
using ShadowProxy.Core.Tests.Diff;

namespace ShadowProxy.Core.Tests.Replay;

/// <summary>A target's answer judged against a recorded (decoded, redacted) legacy answer by the proxy's diff engine.</summary>
public sealed class ReplayJudgeTests
{
    private static readonly ReplayRules Rules = new()
    {
        Diff = new DiffOptions { IgnoreJsonPaths = ["$.meta.requestId"] },
        Redact = new RedactOptions { JsonPaths = ["$.customer.email"] },
        Noise =
        [
            new NoiseRule("$.generatedAt", null, NoiseRule.Mark),
            new NoiseRule("$.stock", "GET /api/products/{id}", NoiseRule.Probe),
        ],
    };

    private readonly ReplayJudge _judge = new(Rules);

    [Fact]
    public void A_gzip_answer_with_a_secret_matches_the_decoded_redacted_recording()
    {
        var recorded = Recorded("GET /api/orders/{id}", """{"id":7,"customer":{"email":"***"}}""", ("Set-Cookie", "***"), ("Content-Type", "application/json"));
        var body = TestResponses.Encode("gzip", Encoding.UTF8.GetBytes("""{"customer":{"email":"ada@example.com"},"id":7.0}"""));
        using var target = TestResponses.Create(200, body, [("Content-Type", "application/json"), ("Content-Encoding", "gzip"), ("Set-Cookie", "s=1"), ("Content-Length", body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))]);

        var result = _judge.Judge(recorded, target);

        Assert.Equal(ComparisonOutcome.Match, result.Outcome);
    }

    [Fact]
    public void Configured_marked_and_probe_noise_apply_where_they_were_in_force()
    {
        using var first = TestResponses.Json("""{"meta":{"requestId":"b"},"generatedAt":"t2","stock":3}""");
        var onProducts = _judge.Judge(Recorded("GET /api/products/{id}", """{"meta":{"requestId":"a"},"generatedAt":"t1","stock":4}"""), first);
        Assert.Equal(ComparisonOutcome.Noise, onProducts.Outcome);
        Assert.All(onProducts.Differences, d => Assert.True(d.IsNoise));

        // Probe noise was learned at one endpoint only.
        using var second = TestResponses.Json("""{"meta":{"requestId":"b"},"generatedAt":"t2","stock":3}""");
        var onOrders = _judge.Judge(Recorded("GET /api/orders/{id}", """{"meta":{"requestId":"a"},"generatedAt":"t1","stock":4}"""), second);
        Assert.Equal(ComparisonOutcome.Diff, onOrders.Outcome);
        Assert.Equal("$.stock", Assert.Single(onOrders.Differences, d => !d.IsNoise).Path);
    }

    [Fact]
    public void A_changed_value_and_status_are_differences_and_no_answer_is_a_status_difference()
    {
        using var changed = TestResponses.Json("""{"id":7,"total":13}""", status: 201);
        var result = _judge.Judge(Recorded("GET /api/orders/{id}", """{"id":7,"total":12.5}"""), changed);
        Assert.Equal(ComparisonOutcome.Diff, result.Outcome);
        Assert.Equal(["status", "$.total"], result.Differences.Select(d => d.Path));

        using var failed = ShadowProxy.Core.Comparison.CapturedResponse.Failed(ShadowProxy.Core.Comparison.BackendFailure.ConnectionError, TimeSpan.Zero);
        var none = _judge.Judge(Recorded("GET /api/orders/{id}", "{}"), failed);
        Assert.Equal(("status", "connection-error"), (none.Differences[0].Path, none.Differences[0].Candidate));
    }

    internal static RecordedExchange Recorded(string endpoint, string json, params (string Name, string Value)[] headers) => new()
    {
        Time = DateTimeOffset.UnixEpoch,
        Endpoint = endpoint,
        Request = new StoredRequest { Method = "GET", Path = "/api/orders/7" },
        Response = new StoredResponse
        {
            Status = 200,
            Headers = headers.Length == 0 ? [KeyValuePair.Create("Content-Type", "application/json")] : [.. headers.Select(h => KeyValuePair.Create(h.Name, h.Value))],
            Body = StoredBody.Create(Encoding.UTF8.GetBytes(json)),
        },
    };
}
