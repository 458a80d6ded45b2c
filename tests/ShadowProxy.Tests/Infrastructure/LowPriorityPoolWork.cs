using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using ShadowProxy.Hosting;

namespace ShadowProxy.Tests.Infrastructure;

/// <summary>
/// Records thread-pool work queued from the threads whose name starts with <paramref name="threadNamePrefix"/>
/// (<see cref="DedicatedThread"/>'s low-priority threads, in the tests that use it), through the runtime's
/// own event for every queued item (<c>ThreadPoolEnqueueWork</c> of the FrameworkEventSource), which is
/// raised on the queuing thread. The listener is process-wide: the prefix keeps tests running in parallel
/// from seeing each other's threads.
/// </summary>
internal sealed class LowPriorityPoolWork(string threadNamePrefix) : EventListener
{
    private const string FrameworkEventSource = "System.Diagnostics.Eventing.FrameworkEventSource";
    private const EventKeywords ThreadPoolKeywords = (EventKeywords)0x0002 | (EventKeywords)0x0010; // ThreadPool | ThreadTransfer

    private readonly ConcurrentQueue<string> _queuedFrom = new();

    /// <summary>The names of the threads that queued work, once per item.</summary>
    public IReadOnlyCollection<string> QueuedFrom => _queuedFrom;

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
        if (eventData.EventName == "ThreadPoolEnqueueWork" && Thread.CurrentThread.Name is { } name && name.StartsWith(threadNamePrefix, StringComparison.Ordinal))
        {
            _queuedFrom.Enqueue(name);
        }
    }
}
