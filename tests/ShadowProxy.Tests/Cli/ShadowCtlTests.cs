using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ShadowProxy.Migrations;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Cli;

/// <summary>Every shadowctl command against a running proxy: output, state changes seen through the API, exit codes.</summary>
public sealed class ShadowCtlTests(ShadowCtlFixture fixture) : IClassFixture<ShadowCtlFixture>
{
    private const string Viewer = ShadowCtlFixture.ViewerKey;
    private const string Sre = ShadowCtlFixture.SreKey;
    private const string Operator = ShadowCtlFixture.OperatorKey;

    [Fact]
    public async Task Status_lists_every_migration_with_its_stage_as_a_progress_bar()
    {
        var run = await fixture.RunAsync(Viewer, "status");

        Assert.True(run.ExitCode == 0, run.ToString());
        var header = run.Stdout.Split('\n')[0];
        Assert.Equal(["NAME", "STATUS", "STAGE", "WEIGHT", "IN", "STAGE", "GATES"], header.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var orders = run.Stdout.Split('\n').Single(l => l.StartsWith("orders  ", StringComparison.Ordinal));
        Assert.Matches(@"^orders\s+Shadowing\s", orders);
        Assert.Contains("[###-------] 1/3 shadow", orders);
        Assert.Contains("0%", orders);
        Assert.Empty(run.Stderr);
    }

    [Fact]
    public async Task Status_of_one_migration_shows_its_stages_and_gates()
    {
        var run = await fixture.RunAsync(Viewer, "status", "orders", "--server", fixture.Server);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("orders: Shadowing, stage shadow [###-------] 1/3, weight 0%", run.Stdout);
        Assert.Matches(@"(?m)^>\s+shadow\s+0%", run.Stdout);
        Assert.Matches(@"(?m)^\s+canary\s+1%", run.Stdout);
        Assert.Contains("orders gates:", run.Stdout);
    }

    [Fact]
    public async Task Promote_moves_to_the_next_stage_and_refuses_past_the_last_with_exit_5()
    {
        var first = await fixture.RunAsync(Operator, "promote", "promo", "--reason", "canary looks fine");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal("promo: promoted; now Ramping, stage canary [#######---] 2/3, weight 1%\n", first.Stdout);
        Assert.Equal(("Ramping", "canary", 1m), await fixture.StateAsync("promo"));

        Assert.Equal(0, (await fixture.RunAsync(Operator, "promote", "promo")).ExitCode);
        var past = await fixture.RunAsync(Operator, "promote", "promo");

        Assert.Equal(5, past.ExitCode);
        Assert.StartsWith("shadowctl: conflict: ", past.Stderr);
        Assert.Contains("last stage", past.Stderr);
        Assert.Equal(("Completed", "half", 50m), await fixture.StateAsync("promo"));
    }

    [Fact]
    public async Task Weight_sets_the_percentage_and_out_of_range_is_exit_5_with_the_servers_detail()
    {
        var set = await fixture.RunAsync(Operator, "weight", "weights", "12.5%", "--reason", "hand-tuned");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Contains("weight 12.5%", set.Stdout);
        Assert.Equal(12.5m, (await fixture.StateAsync("weights")).Weight);

        var tooMuch = await fixture.RunAsync(Operator, "weight", "weights", "120");
        Assert.Equal(5, tooMuch.ExitCode);
        Assert.Equal("shadowctl: invalid request: weight 120 is outside 0..100\n", tooMuch.Stderr);

        var notANumber = await fixture.RunAsync(Operator, "weight", "weights", "lots");
        Assert.Equal(2, notANumber.ExitCode);
        Assert.Contains("PCT 'lots' is not a percentage", notANumber.Stderr);
        Assert.Equal(12.5m, (await fixture.StateAsync("weights")).Weight);
    }

    [Fact]
    public async Task Pause_and_resume_change_the_status_with_an_sre_key()
    {
        Assert.Equal(0, (await fixture.RunAsync(Operator, "weight", "pausing", "5")).ExitCode);

        var pause = await fixture.RunAsync(Sre, "pause", "pausing", "--reason", "weekend");
        Assert.True(pause.ExitCode == 0, pause.ToString());
        Assert.Equal("Paused", (await fixture.StateAsync("pausing")).Status);

        var resume = await fixture.RunAsync(Sre, "resume", "pausing");
        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.NotEqual("Paused", (await fixture.StateAsync("pausing")).Status);
    }

    [Fact]
    public async Task Rollback_needs_a_reason_and_an_sre_records_it_in_the_audit_log()
    {
        Assert.Equal(0, (await fixture.RunAsync(Operator, "weight", "rollme", "25")).ExitCode);

        var noReason = await fixture.RunAsync(Sre, "rollback", "rollme");
        Assert.Equal(2, noReason.ExitCode);
        Assert.Contains("rollback needs --reason TEXT", noReason.Stderr);
        Assert.Empty(noReason.Stdout);

        var viewer = await fixture.RunAsync(Viewer, "rollback", "rollme", "--reason", "not mine to do");
        Assert.Equal(3, viewer.ExitCode);
        Assert.StartsWith("shadowctl: forbidden: Key 'viewer' has role Viewer", viewer.Stderr);
        Assert.Equal(25m, (await fixture.StateAsync("rollme")).Weight);

        var rollback = await fixture.RunAsync(Sre, "rollback", "rollme", "--reason", "candidate returns 500s");
        Assert.True(rollback.ExitCode == 0, rollback.ToString());
        Assert.StartsWith("rollme: rolled back; now RolledBack, stage ", rollback.Stdout);
        Assert.EndsWith(", weight 0%\n", rollback.Stdout);
        Assert.Equal(("RolledBack", 0m), await StatusAndWeightAsync("rollme"));

        var audit = await fixture.RunAsync(Viewer, "audit", "--migration", "rollme", "--limit", "5");
        Assert.True(audit.ExitCode == 0, audit.ToString());
        var newest = audit.Stdout.Split('\n')[1];
        Assert.Contains("rollme", newest);
        Assert.Contains("sre", newest);
        Assert.Contains("candidate returns 500s", newest);
        Assert.DoesNotContain("not mine to do", audit.Stdout);
    }

    [Fact]
    public async Task Diffs_report_and_noise_show_real_traffic()
    {
        for (var i = 1; i <= 5; i++)
        {
            (await fixture.Proxy.Client.GetAsync($"/api/orders/{i}")).EnsureSuccessStatusCode();
        }

        var orders = fixture.Proxy.Services.GetRequiredService<MigrationRegistry>().All.Single(m => m.Name == "orders");
        await Eventually.True(() => orders.Metrics.Diff.Value >= 5, "the five mirrored requests were compared");
        var diffs = await PollAsync(() => fixture.RunAsync(Viewer, "diffs", "orders"), r => r.Stdout.Contains("$.backend", StringComparison.Ordinal));

        Assert.True(diffs.ExitCode == 0, diffs.ToString());
        Assert.Equal(["SEVERITY", "ENDPOINT", "PATH", "KIND", "COUNT", "RATE", "NOISE", "VERSION", "LAST", "SEEN"], diffs.Stdout.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var row = diffs.Stdout.Split('\n').Single(l => l.Contains("$.backend", StringComparison.Ordinal));
        Assert.Matches(@"^risky\s+GET /api/orders/\{id\}\s+\$\.backend\s+ValueChanged\s+\d+\s+100\.00%\s+-\s+unknown\s", row);

        var grouped = await fixture.RunAsync(Viewer, "diffs", "orders", "--group-by", "path", "--severity", "risky");
        Assert.True(grouped.ExitCode == 0, grouped.ToString());
        Assert.Equal(["SEVERITY", "PATH", "KIND", "COUNT", "RATE", "NOISE", "LAST", "SEEN", "ENDPOINTS"], grouped.Stdout.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"(?m)^risky\s+\$\.backend\s+ValueChanged\s+\d+\s+100\.00%\s+-\s.+GET /api/orders/\{id\}$", grouped.Stdout);
        Assert.NotEqual(0, (await fixture.RunAsync(Viewer, "diffs", "orders", "--severity", "fatal")).ExitCode);

        // Candidate versions (no version header here: "unknown"), and --version narrows the summary to one.
        var versions = await fixture.RunAsync(Viewer, "versions", "orders");
        Assert.True(versions.ExitCode == 0, versions.ToString());
        Assert.Matches(@"(?m)^unknown \(newest\)\s+\d+\s+100\.00%", versions.Stdout);
        Assert.Equal("No differences recorded.\n", (await fixture.RunAsync(Viewer, "diffs", "orders", "--version", "9.9")).Stdout);
        Assert.Contains("$.backend", (await fixture.RunAsync(Viewer, "diffs", "orders", "--version", "unknown")).Stdout, StringComparison.Ordinal);

        // One sample side by side: its differences, then both bodies, '*' where the lines differ.
        using var summary = JsonDocument.Parse((await fixture.RunAsync(Viewer, "diffs", "orders", "--json")).Stdout);
        var sampleId = summary.RootElement.GetProperty("rows").EnumerateArray().First(r => r.GetProperty("path").GetString() == "$.backend").GetProperty("sampleIds")[0].GetInt64();
        var show = await fixture.RunAsync(Viewer, "diffs", "show", "orders", sampleId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Matches(@"(?m)^\$\.backend\s+ValueChanged\s", show.Stdout);
        Assert.Matches(@"(?m)^\s+LEGACY\s+\| CANDIDATE$", show.Stdout);
        Assert.Matches(@"(?m)^\* .*legacy.*\| .*candidate", show.Stdout);

        var filtered = await fixture.RunAsync(Viewer, "diffs", "orders", "--path", "no-such-path", "--limit", "3");
        Assert.Equal("No differences recorded.\n", filtered.Stdout);

        var report = await fixture.RunAsync(Viewer, "report", "orders");
        Assert.True(report.ExitCode == 0, report.ToString());
        Assert.StartsWith("orders: legacy vs candidate", report.Stdout);
        Assert.Matches(@"(?m)^GET /api/orders/\{id\}\s+\d+", report.Stdout);
        Assert.Matches(@"(?m)^TOTAL\s+\d+", report.Stdout);

        var markdown = await fixture.RunAsync(Viewer, "report", "orders", "--markdown");
        Assert.StartsWith("# orders: legacy vs candidate", markdown.Stdout);
        Assert.Contains("| `GET /api/orders/{id}` |", markdown.Stdout);

        var mark = await fixture.RunAsync(Operator, "noise", "orders", "$.backend", "--endpoint", "GET /api/orders/{id}", "--reason", "backend name differs by design");
        Assert.True(mark.ExitCode == 0, mark.ToString());
        Assert.StartsWith("marked $.backend as noise at GET /api/orders/{id}\n", mark.Stdout);
        Assert.Matches(@"(?m)^\$\.backend\s+GET /api/orders/\{id\}\s+operator\s", (await fixture.RunAsync(Viewer, "noise", "orders")).Stdout);

        var unmark = await fixture.RunAsync(Operator, "noise", "orders", "$.backend", "--endpoint", "GET /api/orders/{id}", "--remove");
        Assert.True(unmark.ExitCode == 0, unmark.ToString());
        Assert.Contains("unmarked $.backend", unmark.Stdout);
        Assert.Contains("No paths are marked as noise.", unmark.Stdout);
    }

    [Fact]
    public async Task Json_prints_the_apis_json_for_every_read()
    {
        foreach (var args in new[] { ["status"], ["status", "orders"], ["diffs", "orders"], ["report", "orders"], ["audit"], new[] { "noise", "orders" } })
        {
            var run = await fixture.RunAsync(Viewer, [.. args, "--json"]);
            Assert.True(run.ExitCode == 0, string.Join(' ', args) + ": " + run);
            using var document = JsonDocument.Parse(run.Stdout);
            if (args is ["status"])
            {
                Assert.Contains(document.RootElement.EnumerateArray(), m => m.GetProperty("name").GetString() == "orders" && m.GetProperty("stageCount").GetInt32() == 3);
            }
        }
    }

    [Fact]
    public async Task Errors_have_their_own_exit_codes_and_the_servers_detail()
    {
        var wrongKey = await fixture.RunAsync("not-a-key", "status");
        Assert.Equal(3, wrongKey.ExitCode);
        Assert.Equal("shadowctl: unauthorized: The API key is not one of the configured keys.\n", wrongKey.Stderr);

        var noKey = await fixture.RunAsync(null, "status");
        Assert.Equal(3, noKey.ExitCode);
        Assert.StartsWith("shadowctl: unauthorized: This endpoint needs an API key", noKey.Stderr);

        var unknown = await fixture.RunAsync(Viewer, "status", "nope");
        Assert.Equal(4, unknown.ExitCode);
        Assert.Equal("shadowctl: not found: No migration is named 'nope'.\n", unknown.Stderr);
        Assert.Equal(4, (await fixture.RunAsync(Operator, "promote", "nope")).ExitCode);

        var closed = ClosedPort();
        var unreachable = await ShadowCtlFixture.RunWithAsync(new Dictionary<string, string?>(), CancellationToken.None, "status", "--server", closed, "--key", Viewer);
        Assert.Equal(7, unreachable.ExitCode);
        Assert.Contains($"cannot reach the admin API at {closed}/", unreachable.Stderr);
        Assert.Contains("--server URL or SHADOWCTL_SERVER", unreachable.Stderr);

        var badServer = await fixture.RunAsync(Viewer, "status", "--server", "ftp://example");
        Assert.Equal(2, badServer.ExitCode);
        Assert.Contains("--server 'ftp://example' is not an http:// or https:// address", badServer.Stderr);

        var unknownCommand = await fixture.RunAsync(Viewer, "launch");
        Assert.Equal(2, unknownCommand.ExitCode);
        Assert.Contains("Run 'shadowctl --help' for usage.", unknownCommand.Stderr);
    }

    [Fact]
    public async Task Help_lists_the_commands_and_the_exit_codes()
    {
        var run = await fixture.RunAsync(null, "--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("shadowctl [command] [options]", run.Stdout);
        foreach (var command in new[] { "status", "promote", "weight", "pause", "resume", "rollback", "diffs", "noise", "report", "audit" })
        {
            Assert.Matches($@"(?m)^\s+{command}\b", run.Stdout);
        }

        Assert.Contains("Exit codes:", run.Stdout);
        Assert.Matches(@"(?m)^\s+7\s+server unreachable", run.Stdout);
        Assert.DoesNotContain("--count", run.Stdout + (await fixture.RunAsync(null, "status", "--help")).Stdout);
    }

    [Fact]
    public async Task Status_watch_redraws_until_its_frame_count_or_cancellation()
    {
        var counted = await fixture.RunAsync(Viewer, "status", "--watch", "--interval", "100ms", "--count", "2");
        Assert.True(counted.ExitCode == 0, counted.ToString());
        Assert.Equal(2, Frames(counted.Stdout));
        Assert.Contains("(every 100ms; Ctrl+C stops)", counted.Stdout);
        Assert.DoesNotContain("\u001b[", counted.Stdout); // redirected output is never cleared

        // Ctrl+C reaches the command as cancellation of its token: the watch stops and exits 0.
        using var ctrlC = new CancellationTokenSource(TimeSpan.FromMilliseconds(800));
        var environment = new Dictionary<string, string?> { ["SHADOWCTL_SERVER"] = fixture.Server, ["SHADOWCTL_KEY"] = Viewer };
        var cancelled = await ShadowCtlFixture.RunWithAsync(environment, ctrlC.Token, "status", "orders", "-w", "-n", "100ms");
        Assert.True(cancelled.ExitCode == 0, cancelled.ToString());
        Assert.True(Frames(cancelled.Stdout) >= 2, cancelled.ToString());
        Assert.Contains("orders gates:", cancelled.Stdout);

        static int Frames(string output) => output.Split('\n').Count(l => l.StartsWith("shadowctl status  ", StringComparison.Ordinal));
    }

    private async Task<(string Status, decimal Weight)> StatusAndWeightAsync(string migration)
    {
        var (status, _, weight) = await fixture.StateAsync(migration);
        return (status, weight);
    }

    /// <summary>Runs <paramref name="run"/> until <paramref name="done"/> holds: diff samples reach the store after the comparison is counted.</summary>
    private static async Task<CliRun> PollAsync(Func<Task<CliRun>> run, Func<CliRun, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var result = await run();
            if (done(result) || DateTime.UtcNow > deadline)
            {
                return result;
            }

            await Task.Delay(50);
        }
    }

    private static string ClosedPort()
    {
        // Bind to learn a free port, then close it: nothing listens there for the test's short life.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }
}
