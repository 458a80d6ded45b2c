using System.Diagnostics;
using System.Text.RegularExpressions;

namespace ShadowProxy.Tests.Infrastructure;

/// <summary>A real <c>shadowproxy</c> process (the built dll next to the tests) run with a configuration file.</summary>
public sealed partial class ProxyProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly TaskCompletionSource<IReadOnlyList<Uri>> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// The default working directory of this test run's proxies: relative store paths (<c>data/…</c>) land
    /// here, apart from those of other test runs on the same machine (another checkout may run a newer
    /// schema at the same time).
    /// </summary>
    private static readonly Lazy<string> RunDirectory = new(() => Directory.CreateTempSubdirectory("shadowproxy-tests-").FullName);

    private ProxyProcess(Process process) => _process = process;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join(Environment.NewLine, _output);
            }
        }
    }

    public Process Process => _process;

    /// <summary>Runs the proxy with <paramref name="configJson"/> (given as <c>--config</c>; none when null) and waits for it to exit.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(
        string? configJson, TimeSpan timeout, string[]? extraArgs = null, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        await using var proxy = Start(configJson, extraArgs ?? [], workingDirectory, environment);
        using var cts = new CancellationTokenSource(timeout);
        await proxy._process.WaitForExitAsync(cts.Token);
        await Task.Delay(50); // let the output readers drain
        return (proxy._process.ExitCode, proxy.Output);
    }

    /// <summary>Starts the proxy and waits until both its listeners are bound; returns them (proxy first, then admin).</summary>
    public static async Task<(ProxyProcess Process, Uri Proxy, Uri Admin)> StartListeningAsync(string? configJson, string? workingDirectory = null)
    {
        var proxy = Start(configJson, [], workingDirectory);
        var finished = proxy._process.WaitForExitAsync();
        // A bound, not a timing assertion: a cold start on a machine busy with other builds can take long.
        var ready = await Task.WhenAny(proxy._listening.Task, finished, Task.Delay(TimeSpan.FromSeconds(90)));
        if (ready != proxy._listening.Task)
        {
            var output = proxy.Output;
            await proxy.DisposeAsync();
            throw new InvalidOperationException("The proxy did not start listening:" + Environment.NewLine + output);
        }

        var addresses = await proxy._listening.Task;
        return (proxy, addresses[0], addresses[1]);
    }

    private static ProxyProcess Start(string? configJson, string[] extraArgs, string? workingDirectory = null, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RunDirectory.Value,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "shadowproxy.dll"));
        if (configJson is not null)
        {
            var configPath = Path.Combine(Path.GetTempPath(), $"shadowproxy-{Guid.NewGuid():N}.json");
            File.WriteAllText(configPath, configJson);
            info.ArgumentList.Add("--config");
            info.ArgumentList.Add(configPath);
        }

        foreach (var arg in extraArgs)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var proxy = new ProxyProcess(process);
        var addresses = new List<Uri>();
        void OnLine(object _, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (proxy._output)
            {
                proxy._output.Add(e.Data);
                var match = ListeningLine().Match(e.Data);
                if (match.Success)
                {
                    addresses.Add(new Uri(match.Groups[1].Value));
                    if (addresses.Count == 2)
                    {
                        proxy._listening.TrySetResult(addresses.ToArray());
                    }
                }
            }
        }

        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return proxy;
    }

    /// <summary>Sends SIGTERM, as an orchestrator would.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]);
        kill.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
