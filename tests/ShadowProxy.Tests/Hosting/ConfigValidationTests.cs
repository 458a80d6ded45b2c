using System.Text.Json.Nodes;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Hosting;

/// <summary>docs/configuration.md#validation-and-exit-codes: invalid configuration exits with code 2 and a message naming the key.</summary>
public sealed class ConfigValidationTests
{
    private const string Valid = """
        {
          "ShadowProxy": {
            "Listen": ["http://127.0.0.1:0"],
            "Admin": { "Listen": "http://127.0.0.1:0" },
            "Migrations": {
              "orders": {
                "Routes": [ { "Path": "/api/orders/{**rest}" } ],
                "Legacy": { "Address": "http://127.0.0.1:9001" },
                "Candidate": { "Address": "http://127.0.0.1:9002" },
                "Cohort": { "From": "Header:X-User-Id" },
                "Ramp": { "Stages": [
                  { "Name": "shadow", "Weight": 0, "MinDuration": "00:10:00" },
                  { "Name": "canary", "Weight": 1 },
                  { "Name": "half", "Weight": 50 } ] }
              }
            }
          }
        }
        """;

    public static TheoryData<string, string, string> Cases => new()
    {
        { "missing Legacy", "$.ShadowProxy.Migrations.orders.Legacy=", "ShadowProxy:Migrations:orders:Legacy" },
        { "missing Candidate", "$.ShadowProxy.Migrations.orders.Candidate=", "ShadowProxy:Migrations:orders:Candidate" },
        { "missing Routes", "$.ShadowProxy.Migrations.orders.Routes=", "ShadowProxy:Migrations:orders:Routes" },
        { "bad URL", "$.ShadowProxy.Migrations.orders.Candidate.Address=\"not a url\"", "ShadowProxy:Migrations:orders:Candidate:Address" },
        { "weight above 100", "$.ShadowProxy.Migrations.orders.Ramp.Stages[2].Weight=120", "ShadowProxy:Migrations:orders:Ramp:Stages[2]:Weight: 120 is outside 0..100" },
        { "weight below 0", "$.ShadowProxy.Migrations.orders.Ramp.Stages[1].Weight=-1", "ShadowProxy:Migrations:orders:Ramp:Stages[1]:Weight" },
        { "decreasing weights", "$.ShadowProxy.Migrations.orders.Ramp.Stages[2].Weight=0.5", "ShadowProxy:Migrations:orders:Ramp:Stages[2]:Weight" },
        { "negative duration", "$.ShadowProxy.Migrations.orders.Ramp.Stages[0].MinDuration=\"-00:01:00\"", "ShadowProxy:Migrations:orders:Ramp:Stages[0]:MinDuration" },
        { "unknown Cohort.From", "$.ShadowProxy.Migrations.orders.Cohort.From=\"Session:abc\"", "ShadowProxy:Migrations:orders:Cohort:From" },
        { "unknown Store.Provider", "$.ShadowProxy.Store={\"Provider\":\"Mongo\"}", "ShadowProxy:Store:Provider" },
        { "duration that does not parse", "$.ShadowProxy.Migrations.orders.Shadow={\"Timeout\":\"soon\"}", "ShadowProxy:Migrations:orders:Shadow:Timeout" },
        { "sample percent above 100", "$.ShadowProxy.Migrations.orders.Shadow={\"SamplePercent\":150}", "ShadowProxy:Migrations:orders:Shadow:SamplePercent" },
        { "unknown severity override", "$.ShadowProxy.Migrations.orders.Diff={\"Severity\":{\"header:ETag\":\"fatal\"}}", "ShadowProxy:Migrations:orders:Diff:Severity:header:ETag" },
        { "unknown gate severity", "$.ShadowProxy.Migrations.orders.Ramp.Gates={\"DiffSeverity\":\"fatal\"}", "ShadowProxy:Migrations:orders:Ramp:Gates:DiffSeverity" },
        { "array key that is not a name", "$.ShadowProxy.Migrations.orders.Diff={\"ArrayKeys\":{\"$.orders\":\"a b\"}}", "ShadowProxy:Migrations:orders:Diff:ArrayKeys:$.orders" },
        { "shadow floor above the ceiling", "$.ShadowProxy.Migrations.orders.Shadow={\"MaxInFlight\":8,\"MinInFlight\":9}", "ShadowProxy:Migrations:orders:Shadow:MinInFlight" },
        { "Adaptive that is not a boolean", "$.ShadowProxy.Migrations.orders.Shadow={\"Adaptive\":\"sometimes\"}", "ShadowProxy:Migrations:orders:Shadow:Adaptive" },
        { "misspelled key", "$.ShadowProxy.Migrations.orders.Shadw={\"Enabled\":false}", "ShadowProxy:Migrations:orders:Shadw" },
        { "open admin on a public address", "$.ShadowProxy.Admin.Listen=\"http://0.0.0.0:0\"", "ShadowProxy:Admin:Listen" },
        { "webhook URL that is not an absolute URL", "$.ShadowProxy.Notifications={\"Webhooks\":[{\"Url\":\"hooks.example/T0/secret-token\"}]}", "ShadowProxy:Notifications:Webhooks[0]:Url" },
        { "unknown webhook event", "$.ShadowProxy.Notifications={\"Webhooks\":[{\"Url\":\"https://hooks.example/x\",\"Events\":[\"rollback\",\"rolled_back\"]}]}", "ShadowProxy:Notifications:Webhooks[0]:Events[1]" },
        { "unknown webhook format", "$.ShadowProxy.Notifications={\"Webhooks\":[{\"Url\":\"https://hooks.example/x\",\"Format\":\"Teams\"}]}", "ShadowProxy:Notifications:Webhooks[0]:Format" },
        { "https admin listener without a certificate", "$.ShadowProxy.Admin.Listen=\"https://127.0.0.1:0\"", "ShadowProxy:Tls:CertificatePath" },
        { "replay corpus beyond its bound", "$.ShadowProxy.Migrations.orders.Replay={\"PerEndpoint\":5000}", "ShadowProxy:Migrations:orders:Replay:PerEndpoint: 5000 is outside 0..1000" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Invalid_configuration_exits_2_naming_the_key(string name, string edit, string expectedInMessage)
    {
        var (exitCode, output) = await ProxyProcess.RunToExitAsync(Apply(Valid, edit), TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 2, $"{name}: exit code {exitCode}, output:{Environment.NewLine}{output}");
        Assert.Contains(expectedInMessage, output);
    }

    [Fact]
    public async Task A_refused_webhook_URL_is_named_by_its_key_never_shown()
    {
        var (exitCode, output) = await ProxyProcess.RunToExitAsync(
            Apply(Valid, "$.ShadowProxy.Notifications={\"Webhooks\":[{\"Url\":\"ftp://hooks.example/T0/B0/secret-token\"}]}"), TimeSpan.FromSeconds(60));
        Assert.Equal(2, exitCode);
        Assert.Contains("ShadowProxy:Notifications:Webhooks[0]:Url", output);
        Assert.DoesNotContain("secret-token", output);
    }

    [Fact]
    public async Task Missing_config_file_exits_2()
    {
        var (exitCode, output) = await ProxyProcess.RunToExitAsync(Valid, TimeSpan.FromSeconds(60), ["--config", "/nonexistent/shadowproxy.json"]);
        Assert.Equal(2, exitCode);
        Assert.Contains("/nonexistent/shadowproxy.json", output);
    }

    [Fact]
    public async Task Environment_variables_override_file_keys()
    {
        var (exitCode, output) = await ProxyProcess.RunToExitAsync(Valid, TimeSpan.FromSeconds(60), environment: new Dictionary<string, string>
        {
            ["ShadowProxy__Migrations__orders__Ramp__Stages__2__Weight"] = "120",
        });
        Assert.Equal(2, exitCode);
        Assert.Contains("ShadowProxy:Migrations:orders:Ramp:Stages[2]:Weight: 120 is outside 0..100", output);
    }

    [Fact]
    public async Task Valid_configuration_serves_and_exits_0_on_sigterm()
    {
        var (process, proxy, admin) = await ProxyProcess.StartListeningAsync(Valid);
        await using (process)
        {
            using var client = new HttpClient();
            Assert.Equal("ok\n", await client.GetStringAsync(new Uri(admin, "/healthz")));
            process.Terminate();
            await process.Process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
            Assert.Equal(0, process.Process.ExitCode);
        }
    }

    /// <summary>Applies <c>$.a.b[2].c=JSON</c> (empty JSON removes the key) to a JSON document.</summary>
    private static string Apply(string json, string edit)
    {
        var root = JsonNode.Parse(json)!;
        var (path, value) = (edit[..edit.IndexOf('=')], edit[(edit.IndexOf('=') + 1)..]);
        var segments = path.TrimStart('$', '.').Replace("[", ".[").Split('.');
        JsonNode parent = root;
        for (var i = 0; i < segments.Length - 1; i++)
        {
            parent = Step(parent, segments[i])!;
        }

        var last = segments[^1];
        if (last.StartsWith('['))
        {
            var index = int.Parse(last.Trim('[', ']'));
            parent.AsArray()[index] = JsonNode.Parse(value);
        }
        else if (value.Length == 0)
        {
            parent.AsObject().Remove(last);
        }
        else
        {
            parent.AsObject()[last] = JsonNode.Parse(value);
        }

        return root.ToJsonString();

        static JsonNode? Step(JsonNode node, string segment) =>
            segment.StartsWith('[') ? node.AsArray()[int.Parse(segment.Trim('[', ']'))] : node.AsObject()[segment];
    }
}
