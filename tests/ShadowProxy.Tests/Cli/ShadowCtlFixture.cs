using System.Net.Http.Headers;
using System.Text.Json;
using ShadowCtl;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Cli;

/// <summary>What one shadowctl run printed and returned.</summary>
public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>
/// A real proxy (in-process, real Kestrel listeners) with legacy and candidate backends that answer
/// differently, API keys for each role, and one migration per test that changes state, so that tests
/// sharing the proxy never see each other's promotions and rollbacks.
/// </summary>
public sealed class ShadowCtlFixture : IAsyncLifetime
{
    public const string ViewerKey = "cli-viewer-key-0123456789";
    public const string SreKey = "cli-sre-key-0123456789";
    public const string OperatorKey = "cli-operator-key-0123456789";

    /// <summary>The migrations, each routed at <c>/api/NAME/...</c>; "orders" only ever gets traffic and noise marks.</summary>
    public static readonly string[] Migrations = ["orders", "promo", "weights", "pausing", "rollme"];

    private TestBackend? _legacy;
    private TestBackend? _candidate;

    public TestProxy Proxy { get; private set; } = null!;

    public string Server => Proxy.AdminAddress.ToString();

    public async Task InitializeAsync()
    {
        _legacy = await TestBackend.StartAsync("legacy");
        _candidate = await TestBackend.StartAsync("candidate");
        var config = new Dictionary<string, string?>();
        foreach (var name in Migrations)
        {
            foreach (var (key, value) in TestProxy.MigrationConfig(name, _legacy.Address, _candidate.Address, $"/api/{name}/{{**rest}}"))
            {
                config[key] = value;
            }

            var stages = $"ShadowProxy:Migrations:{name}:Ramp:Stages:";
            config[stages + "1:Name"] = "canary";
            config[stages + "1:Weight"] = "1";
            config[stages + "2:Name"] = "half";
            config[stages + "2:Weight"] = "50";
        }

        var keys = new[] { ("viewer", "Viewer", ViewerKey), ("sre", "Sre", SreKey), ("operator", "Operator", OperatorKey) };
        for (var i = 0; i < keys.Length; i++)
        {
            config[$"ShadowProxy:Admin:ApiKeys:{i}:Name"] = keys[i].Item1;
            config[$"ShadowProxy:Admin:ApiKeys:{i}:Role"] = keys[i].Item2;
            config[$"ShadowProxy:Admin:ApiKeys:{i}:Key"] = keys[i].Item3;
        }

        Proxy = await TestProxy.StartAsync(config);
    }

    public async Task DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await _candidate!.DisposeAsync();
        await _legacy!.DisposeAsync();
    }

    /// <summary>Runs shadowctl in-process against this proxy; server and key come from the environment, as in a deployment.</summary>
    public Task<CliRun> RunAsync(string? key, params string[] args) =>
        RunWithAsync(new Dictionary<string, string?> { ["SHADOWCTL_SERVER"] = Server, ["SHADOWCTL_KEY"] = key }, CancellationToken.None, args);

    public static async Task<CliRun> RunWithAsync(IDictionary<string, string?> environment, CancellationToken cancellationToken, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exitCode = await ShadowCtlApp.RunAsync(args, stdout, stderr, environment: environment, cancellationToken: cancellationToken);
        return new CliRun(exitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The migration as the admin API reports it, read without the CLI, to check what a command did.</summary>
    public async Task<JsonElement> GetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ViewerKey);
        using var response = await Proxy.Admin.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    public async Task<(string Status, string Stage, decimal Weight)> StateAsync(string migration)
    {
        var view = await GetAsync($"/api/v1/migrations/{migration}");
        return (view.GetProperty("status").GetString()!, view.GetProperty("stage").GetString()!, view.GetProperty("weight").GetDecimal());
    }
}
