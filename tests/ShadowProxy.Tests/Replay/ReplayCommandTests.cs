using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using ShadowProxy.Tests.Cli;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Replay;

/// <summary>
/// <c>shadowctl replay</c> end to end (docs/admin-api.md#replay-corpus): traffic recorded through a real proxy, then replayed against real
/// builds under test, through the proxy and from its HAR export with the recording proxy stopped.
/// </summary>
public sealed class ReplayCommandTests(ReplayCommandTests.RecordedCorpus corpus) : IClassFixture<ReplayCommandTests.RecordedCorpus>
{
    [Fact]
    public async Task A_build_equal_to_legacy_but_for_noise_passes_from_the_proxy_and_from_the_har_file()
    {
        await using var build = await TestBackend.StartAsync("build", Legacy);

        var fromProxy = await corpus.ReplayAsync("orders", "--target", build.Address.ToString(), "--json");
        var fromFile = await ReplayAsync("--from", corpus.HarFile, "--target", build.Address.ToString(), "--json");

        foreach (var run in new[] { fromProxy, fromFile })
        {
            Assert.True(run.ExitCode == 0, run.ToString());
            var result = JsonDocument.Parse(run.Stdout).RootElement;
            Assert.Equal("pass", result.GetProperty("verdict").GetString());
            Assert.Equal(RecordedCorpus.SafeExchanges, result.GetProperty("totals").GetProperty("replayed").GetInt32());
            Assert.Equal(1, result.GetProperty("totals").GetProperty("skipped").GetInt32());

            // The orders answers differ in a marked path and an ignored one every time: noise, not differences.
            Assert.True(result.GetProperty("totals").GetProperty("noise").GetInt32() >= 3, run.Stdout);
        }

        // The recorded credentials were redacted: the target gets the one --header gives, and the shadow marker.
        Assert.Contains(build.Requests, r => r.IsShadow);
        Assert.DoesNotContain(build.Requests, r => r.Header("Authorization") is not null);
        var withKey = await corpus.ReplayAsync("orders", "--target", build.Address.ToString(), "--endpoint", "GET /api/customers/{id}", "--header", "Authorization: Bearer ci-token");
        Assert.True(withKey.ExitCode == 0, withKey.ToString());
        Assert.Contains(build.Requests, r => r.Header("Authorization") == "Bearer ci-token" && r.Path.StartsWith("/api/customers/", StringComparison.Ordinal));
        Assert.Matches(@"(?m)^PASS: every replayed exchange answered like legacy", withKey.Stdout);
    }

    [Fact]
    public async Task A_build_that_changes_one_field_exits_8_naming_endpoint_and_path_in_the_table_the_json_and_the_junit_file()
    {
        await using var build = await TestBackend.StartAsync("build", RenamesCustomer);
        var directory = Directory.CreateTempSubdirectory("replay-junit-").FullName;

        var table = await corpus.ReplayAsync("orders", "--target", build.Address.ToString(), "--junit", Path.Combine(directory, "proxy.xml"));
        var json = await corpus.ReplayAsync("orders", "--target", build.Address.ToString(), "--json");
        var file = await ReplayAsync("--from", corpus.HarFile, "--target", build.Address.ToString(), "--json", "--junit", Path.Combine(directory, "file.xml"));

        Assert.True(table.ExitCode == 8, table.ToString());
        Assert.Matches(@"(?m)^GET /api/customers/\{id\}\s+\$\.name\s+ValueChanged\s+2\s+""Ada""\s+""Ada L\.""\s+GET /api/customers/", table.Stdout);
        Assert.Matches(@"(?m)^GET /api/customers/\{id\}\s+2\s+0\s+0\s+2\s+0\s+DIFFERS$", table.Stdout);
        Assert.Matches(@"(?m)^GET /api/orders/\{id\}\s+3\s+\d+\s+\d+\s+0\s+0\s+ok$", table.Stdout);
        Assert.Contains("FAIL: 2 of " + RecordedCorpus.SafeExchanges + " exchanges answered differently from legacy.", table.Stdout);

        Assert.Equal(8, json.ExitCode);
        Assert.Equal(8, file.ExitCode);
        foreach (var run in new[] { json, file })
        {
            var result = JsonDocument.Parse(run.Stdout).RootElement;
            Assert.Equal("differences", result.GetProperty("verdict").GetString());
            var difference = Assert.Single(result.GetProperty("differences").EnumerateArray());
            Assert.Equal(("GET /api/customers/{id}", "$.name", "ValueChanged", 2), (difference.GetProperty("endpoint").GetString(), difference.GetProperty("path").GetString(), difference.GetProperty("kind").GetString(), difference.GetProperty("exchanges").GetInt32()));
        }

        // Export, then replay from the file: the same verdict on every exchange as through the proxy.
        Assert.Equal(Verdicts(json), Verdicts(file));

        foreach (var junit in new[] { "proxy.xml", "file.xml" })
        {
            var xml = XDocument.Load(Path.Combine(directory, junit));
            var root = xml.Root!;
            Assert.Equal("testsuites", root.Name.LocalName);
            Assert.Equal("2", root.Attribute("failures")!.Value);
            Assert.Equal((RecordedCorpus.SafeExchanges + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), root.Attribute("tests")!.Value);
            var customers = root.Elements("testsuite").Single(s => s.Attribute("name")!.Value == "GET /api/customers/{id}");
            Assert.Equal("2", customers.Attribute("failures")!.Value);
            var failure = customers.Elements("testcase").First().Element("failure")!;
            Assert.Contains("$.name", failure.Attribute("message")!.Value);
            Assert.Contains("$.name ValueChanged: legacy \"Ada\", target \"Ada L.\"", failure.Value);
            Assert.Single(root.Descendants("skipped"));
            Assert.All(root.Elements("testsuite").Where(s => s.Attribute("name")!.Value != "GET /api/customers/{id}").Descendants("failure"), _ => Assert.Fail("only customers differ"));
        }

        Assert.Empty(Directory.GetFiles(directory, ".*.tmp"));
    }

    [Fact]
    public async Task An_unreachable_target_exits_7_and_writes_nothing()
    {
        var closed = ClosedPort();
        var directory = Directory.CreateTempSubdirectory("replay-junit-").FullName;
        var junit = Path.Combine(directory, "replay.xml");

        var fromProxy = await corpus.ReplayAsync("orders", "--target", closed.ToString(), "--junit", junit);
        var fromFile = await ReplayAsync("--from", corpus.HarFile, "--target", closed.ToString(), "--junit", junit, "--json");

        foreach (var run in new[] { fromProxy, fromFile })
        {
            Assert.True(run.ExitCode == 7, run.ToString());
            Assert.StartsWith($"shadowctl: cannot reach the target at {closed}", run.Stderr);
            Assert.Empty(run.Stdout);
        }

        Assert.Empty(Directory.GetFileSystemEntries(directory));
    }

    [Fact]
    public async Task Writes_replay_only_with_include_writes_and_bad_input_is_a_usage_error()
    {
        await using var build = await TestBackend.StartAsync("build", Legacy);

        var writes = await corpus.ReplayAsync("orders", "--target", build.Address.ToString(), "--include-writes", "--endpoint", "POST /api/orders");
        Assert.True(writes.ExitCode == 0, writes.ToString());
        Assert.Contains(build.Requests, r => r.Method == "POST" && Encoding.UTF8.GetString(r.Body) == """{"sku":"A-1"}""" && r.Header("Content-Type")?.StartsWith("application/json", StringComparison.Ordinal) == true);

        var skippedOnly = await corpus.ReplayAsync("orders", "--target", build.Address.ToString(), "--endpoint", "POST /api/orders");
        Assert.Equal(9, skippedOnly.ExitCode);
        Assert.Contains("nothing replayed: every exchange was skipped", skippedOnly.Stderr);

        Assert.Equal(2, (await ReplayAsync("--target", build.Address.ToString())).ExitCode);
        Assert.Equal(2, (await corpus.ReplayAsync("orders", "--from", corpus.HarFile, "--target", build.Address.ToString())).ExitCode);
        Assert.Equal(2, (await corpus.ReplayAsync("orders", "--target", "not-a-url")).ExitCode);
        var badHeader = await corpus.ReplayAsync("orders", "--target", build.Address.ToString(), "--header", "Authorization Bearer secret-value");
        Assert.Equal(2, badHeader.ExitCode);
        Assert.DoesNotContain("secret-value", badHeader.Stderr);
        var missing = await ReplayAsync("--from", "/nonexistent/corpus.har", "--target", build.Address.ToString());
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--from '/nonexistent/corpus.har'", missing.Stderr);
        var notHar = Path.GetTempFileName();
        await File.WriteAllTextAsync(notHar, """{"log": {}}""");
        var invalid = await ReplayAsync("--from", notHar, "--target", build.Address.ToString());
        Assert.Equal(2, invalid.ExitCode);
        Assert.Contains("not a HAR file", invalid.Stderr);
        Assert.Equal(4, (await corpus.ReplayAsync("nope", "--target", build.Address.ToString())).ExitCode);
    }

    private static List<(string?, string?)> Verdicts(CliRun run) =>
        [.. JsonDocument.Parse(run.Stdout).RootElement.GetProperty("exchanges").EnumerateArray()
            .Select(e => (e.GetProperty("path").GetString(), e.GetProperty("outcome").GetString()))
            .Order()];

    /// <summary>shadowctl replay with the admin API pointed at a closed port: --from must not need it.</summary>
    private static Task<CliRun> ReplayAsync(params string[] args) =>
        ShadowCtlFixture.RunWithAsync(new Dictionary<string, string?> { ["SHADOWCTL_SERVER"] = ClosedPort().ToString() }, CancellationToken.None, ["replay", .. args]);

    private static Uri ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }

    /// <summary>Legacy's API: orders carry a per-answer timestamp (marked noise) and request id (ignored), customers a name.</summary>
    internal static async Task Legacy(HttpContext context)
    {
        context.Response.ContentType = "application/json";
        var path = context.Request.Path.Value ?? "/";
        var id = path[(path.LastIndexOf('/') + 1)..];
        var json = context.Request.Method == "POST"
            ? """{"created":true}"""
            : path.StartsWith("/api/orders/", StringComparison.Ordinal)
                ? $$$"""{"id":{{{id}}},"total":12.5,"generatedAt":"{{{DateTime.UtcNow:O}}}","meta":{"requestId":"{{{Guid.NewGuid()}}}"}}"""
                : $$$"""{"id":{{{id}}},"name":"Ada"}""";
        await context.Response.WriteAsync(json);
    }

    private static Task RenamesCustomer(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/api/customers"))
        {
            return Legacy(context);
        }

        context.Response.ContentType = "application/json";
        var path = context.Request.Path.Value!;
        return context.Response.WriteAsync($$$"""{"id":{{{path[(path.LastIndexOf('/') + 1)..]}}},"name":"Ada L."}""");
    }

    /// <summary>Traffic recorded once through a real proxy (legacy and candidate alike but for noise), and its HAR export.</summary>
    public sealed class RecordedCorpus : IAsyncLifetime
    {
        /// <summary>3 orders, 2 customers; one POST besides, which is skipped without --include-writes.</summary>
        public const int SafeExchanges = 5;

        private TestBackend? _legacy;
        private TestBackend? _candidate;

        public TestProxy Proxy { get; private set; } = null!;

        public string HarFile { get; } = Path.Combine(Directory.CreateTempSubdirectory("replay-har-").FullName, "orders.har");

        public async Task InitializeAsync()
        {
            _legacy = await TestBackend.StartAsync("legacy", Legacy);
            _candidate = await TestBackend.StartAsync("candidate", Legacy);
            var config = TestProxy.MigrationConfig("orders", _legacy.Address, _candidate.Address);
            const string Prefix = "ShadowProxy:Migrations:orders:";
            config[Prefix + "Shadow:Methods:0"] = "GET";
            config[Prefix + "Shadow:Methods:1"] = "POST";
            config[Prefix + "Diff:IgnoreHeaders:0"] = "Date";
            config[Prefix + "Diff:IgnoreHeaders:1"] = "X-Backend";
            config[Prefix + "Diff:IgnoreJsonPaths:0"] = "$.meta.requestId";
            Proxy = await TestProxy.StartAsync(config);

            using (var mark = await Proxy.Admin.PostAsync("/api/v1/migrations/orders/noise", new StringContent("""{"path":"$.generatedAt","endpoint":"GET /api/orders/{id}"}""", Encoding.UTF8, "application/json")))
            {
                mark.EnsureSuccessStatusCode();
            }

            foreach (var path in new[] { "/api/orders/1", "/api/orders/2", "/api/orders/3", "/api/customers/1", "/api/customers/2" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "user-secret");
                (await Proxy.Client.SendAsync(request)).Dispose();
            }

            (await Proxy.Client.PostAsync("/api/orders", new StringContent("""{"sku":"A-1"}""", Encoding.UTF8, "application/json"))).Dispose();
            await Eventually.True(() => Count().Result == SafeExchanges + 1, "every exchange is in the corpus", TimeSpan.FromSeconds(30));

            using (var har = await Proxy.Admin.GetAsync("/api/v1/migrations/orders/exchanges?format=har"))
            {
                har.EnsureSuccessStatusCode();
                await File.WriteAllBytesAsync(HarFile, await har.Content.ReadAsByteArrayAsync());
            }

            // The proxy that recorded and exported stops: replays from the file never reach it. A new process on the
            // same store serves the replays through the proxy, with the corpus and the noise mark it restored.
            await Proxy.DisposeAsync();
            Proxy = await TestProxy.StartAsync(config);
        }

        /// <summary>shadowctl replay through this proxy's admin API.</summary>
        public Task<CliRun> ReplayAsync(params string[] args) =>
            ShadowCtlFixture.RunWithAsync(new Dictionary<string, string?> { ["SHADOWCTL_SERVER"] = Proxy.AdminAddress.ToString() }, CancellationToken.None, ["replay", .. args]);

        public async Task DisposeAsync()
        {
            await Proxy.DisposeAsync();
            await _candidate!.DisposeAsync();
            await _legacy!.DisposeAsync();
        }

        private async Task<int> Count()
        {
            using var response = await Proxy.Admin.GetAsync("/api/v1/migrations/orders/exchanges");
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("exchanges").GetArrayLength();
        }
    }
}
