using System.Diagnostics;

namespace ShadowProxy.Tests.Cli;

/// <summary>
/// <c>rollback --all</c>, which touches every migration and so gets a proxy of its own, and the built
/// <c>shadowctl.dll</c> run as a real process: the executable starts and its exit code reaches the shell.
/// </summary>
public sealed class ShadowCtlProcessTests(ShadowCtlFixture fixture) : IClassFixture<ShadowCtlFixture>
{
    [Fact]
    public async Task Rollback_all_rolls_back_every_migration()
    {
        Assert.Equal(0, (await fixture.RunAsync(ShadowCtlFixture.OperatorKey, "weight", "promo", "10")).ExitCode);
        var run = await fixture.RunAsync(ShadowCtlFixture.SreKey, "rollback", "--all", "--reason", "incident 42");

        Assert.True(run.ExitCode == 0, run.ToString());
        foreach (var migration in ShadowCtlFixture.Migrations)
        {
            Assert.Contains($"{migration}: rolled back; now RolledBack", run.Stdout);
            Assert.Equal("RolledBack", (await fixture.StateAsync(migration)).Status);
        }

        var both = await fixture.RunAsync(ShadowCtlFixture.SreKey, "rollback", "promo", "--all", "--reason", "x");
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("not both", both.Stderr);
    }

    [Fact]
    public async Task The_built_executable_runs_and_sets_its_exit_code()
    {
        var status = await RunProcessAsync("status", "--server", fixture.Server, "--key", ShadowCtlFixture.ViewerKey);
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Matches(@"(?m)^orders\s", status.Stdout);

        var unknown = await RunProcessAsync("status", "nope", "--server", fixture.Server, "--key", ShadowCtlFixture.ViewerKey);
        Assert.Equal(4, unknown.ExitCode);
        Assert.Contains("shadowctl: not found:", unknown.Stderr);
    }

    [Fact]
    public async Task Ctrl_C_stops_a_watch_with_exit_0()
    {
        using var process = Process.Start(StartInfo(interruptible: true, "status", "--watch", "--interval", "200ms", "--server", fixture.Server, "--key", ShadowCtlFixture.ViewerKey))!;
        var stderr = process.StandardError.ReadToEndAsync();
        var firstFrame = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.StartsWith("shadowctl status  ", firstFrame);

        // What the terminal sends on Ctrl+C.
        using (var interrupt = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await interrupt.WaitForExitAsync();
        }

        var rest = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await stderr}");
        Assert.Contains("orders", await rest);
    }

    private static async Task<CliRun> RunProcessAsync(params string[] args)
    {
        using var process = Process.Start(StartInfo(args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(timeout.Token);
        return new CliRun(process.ExitCode, await stdout, await stderr);
    }

    private static ProcessStartInfo StartInfo(params string[] args) => StartInfo(interruptible: false, args);

    /// <param name="interruptible">
    /// Restore SIGINT's default for the CLI, as a terminal's foreground job has it: a test run started
    /// in the background (<c>cmd &amp;</c>, nohup) ignores SIGINT, every process it starts inherits that,
    /// and the runtime keeps an inherited SIGINT ignored, so Ctrl+C would never reach the CLI.
    /// </param>
    private static ProcessStartInfo StartInfo(bool interruptible, params string[] args)
    {
        var info = new ProcessStartInfo(interruptible ? "env" : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (interruptible)
        {
            info.ArgumentList.Add("--default-signal=INT");
            info.ArgumentList.Add("dotnet");
        }

        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "shadowctl.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // The test process's own settings must not leak in and pick another server or key.
        info.Environment.Remove("SHADOWCTL_SERVER");
        info.Environment.Remove("SHADOWCTL_KEY");
        return info;
    }
}
