namespace ShadowProxy.Hosting;

/// <summary>
/// On Linux, ShadowProxy runs socket completions inline on the runtime's epoll threads instead of
/// queueing each one to the thread pool. A proxy does almost nothing between two socket operations,
/// so the hop costs more than the work: measured on 2 cores (benchmarks/README.md, "Runtime
/// decisions"), +7 % requests/s with the shadow off and +10 % with every request shadowed and
/// compared, p99 unchanged. It is safe here because nothing that can block runs after a socket
/// completion: comparisons and store writes have threads of their own, and Kestrel still hands
/// request processing to the thread pool.
/// </summary>
/// <remarks>
/// The runtime reads the switch once, when the first socket is created: it is applied as the very
/// first statement of the process. An operator's own <see cref="Variable"/> (0 or 1) always wins.
/// </remarks>
internal static class SocketCompletions
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Turns inline completions on unless the environment already decides; true when they are on.</summary>
    public static bool ApplyDefault()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        if (Environment.GetEnvironmentVariable(Variable) is { } chosen)
        {
            return chosen == "1";
        }

        Environment.SetEnvironmentVariable(Variable, "1");
        return true;
    }
}
