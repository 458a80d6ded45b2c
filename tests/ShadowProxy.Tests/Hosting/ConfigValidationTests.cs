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

    /// <summary>
    /// One case of each kind the process reports (a missing required key, an unknown key, a rule of the core's options, a
    /// rule of the host's own, a check that needs the certificate); every rule has its unit test in
    /// ShadowProxy.Core.Tests/Configuration and ShadowProxy.Tests/Configuration.
    /// </summary>
    public static TheoryData<string, string, string> Cases => new()
    {
        { "missing Legacy", "$.ShadowProxy.Migrations.orders.Legacy=", "ShadowProxy:Migrations:orders:Legacy" },
        { "misspelled key", "$.ShadowProxy.Migrations.orders.Shadw={\"Enabled\":false}", "ShadowProxy:Migrations:orders:Shadw" },
        { "weight above 100", "$.ShadowProxy.Migrations.orders.Ramp.Stages[2].Weight=120", "ShadowProxy:Migrations:orders:Ramp:Stages[2]:Weight: 120 is outside 0..100" },
        { "open admin on a public address", "$.ShadowProxy.Admin.Listen=\"http://0.0.0.0:0\"", "ShadowProxy:Admin:Listen" },
        { "https admin listener without a certificate", "$.ShadowProxy.Admin.Listen=\"https://127.0.0.1:0\"", "ShadowProxy:Tls:CertificatePath" },
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
