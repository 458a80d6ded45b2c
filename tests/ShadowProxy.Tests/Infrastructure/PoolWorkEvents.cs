using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Runtime.CompilerServices;

namespace ShadowProxy.Tests.Infrastructure;

/// <summary>
/// Which threads queued thread-pool work, through the runtime's own event for every queued item
/// (<c>ThreadPoolEnqueueWork</c> of the FrameworkEventSource), raised on the queuing thread. One listener
/// for the whole test run, started when the assembly loads: the runtime raises the event only once a pool
/// worker has noticed that someone listens, so a listener created by a test could miss what that test
/// queues. Only threads named <c>shadowproxy-…</c> are kept.
/// </summary>
internal sealed class PoolWorkEvents : EventListener
{
    private const string FrameworkEventSource = "System.Diagnostics.Eventing.FrameworkEventSource";
    private const EventKeywords ThreadPoolKeywords = (EventKeywords)0x0002 | (EventKeywords)0x0010; // ThreadPool | ThreadTransfer
    private const string KeptPrefix = "shadowproxy-";

    private static readonly ConcurrentQueue<string> QueuedFromThreads = new();
    private static PoolWorkEvents? s_listener;

    [ModuleInitializer]
    internal static void Start() => s_listener = new PoolWorkEvents();

    /// <summary>The names of the threads starting with <paramref name="threadNamePrefix"/> that queued work since the run began, once per item.</summary>
    public static IReadOnlyList<string> QueuedFrom(string threadNamePrefix) =>
        QueuedFromThreads.Where(name => name.StartsWith(threadNamePrefix, StringComparison.Ordinal)).ToList();

    /// <summary>
    /// Fails unless the listener sees work queued from a probe thread within 10 s: a test that asserts
    /// that nothing was queued calls this first, so that it cannot pass because nothing was seen at all.
    /// </summary>
    public static void AssertObserving()
    {
        GC.KeepAlive(s_listener);
        var probe = $"{KeptPrefix}probe-{Guid.NewGuid():N}";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var thread = new Thread(() => ThreadPool.UnsafeQueueUserWorkItem(static _ => { }, null)) { Name = probe };
            thread.Start();
            thread.Join();
            if (QueuedFrom(probe).Count > 0)
            {
                return;
            }

            Thread.Sleep(20);
        }

        Assert.Fail("the runtime's ThreadPoolEnqueueWork event never reached the listener");
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        // Called from the base constructor for sources that already exist: nothing of this instance may be used here.
        if (eventSource.Name == FrameworkEventSource)
        {
            EnableEvents(eventSource, EventLevel.Verbose, ThreadPoolKeywords);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName == "ThreadPoolEnqueueWork" && Thread.CurrentThread.Name is { } name && name.StartsWith(KeptPrefix, StringComparison.Ordinal))
        {
            QueuedFromThreads.Enqueue(name);
        }
    }
}
