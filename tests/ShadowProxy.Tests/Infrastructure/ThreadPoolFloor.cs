using System.Runtime.CompilerServices;

namespace ShadowProxy.Tests.Infrastructure;

/// <summary>
/// Gives the in-process proxies and backends of this test assembly the thread-pool workers a proxy
/// process has to itself. The test host keeps two pool workers blocked for the whole run (vstest's
/// message loop in <c>Socket.Poll</c>, xunit's assembly runner in <c>WaitOne</c>); on 2 cores that is
/// the pool's whole minimum, so everything under test shared one or two workers, and got more only
/// from starvation injection, about a second apart on a busy machine. One cold-start work item
/// (first-time JIT, endpoint compilation, schema creation) then held every socket continuation, the
/// shadow's connection set-up and the fault backend's reads for up to a second: longer than the 1 s
/// shadow Timeout of the hardening tests, whose shadows timed out before the candidate read them
/// (ShadowFaultTests, seen with the shadow queued to the pool and, more often, started inline).
/// </summary>
internal static class ThreadPoolFloor
{
    [ModuleInitializer]
    internal static void Raise()
    {
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, 4 * Environment.ProcessorCount), completionPorts);
    }
}
