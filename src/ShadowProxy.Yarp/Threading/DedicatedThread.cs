using System.Runtime.InteropServices;

namespace ShadowProxy.Threading;

/// <summary>
/// Threads of their own for background loops that block (waits, synchronous store writes) and so must
/// not hold a thread-pool thread. A low-priority one (comparisons) runs at nice <see cref="LowPriorityNice"/>
/// on Linux: on a saturated machine the scheduler serves request threads first and the background work
/// falls behind into its bounded queue, where overflow is dropped and counted.
/// </summary>
/// <remarks>
/// A Linux thread inherits the nice value of the thread that creates it, and the .NET thread pool creates
/// a worker on whichever thread queues work while it is short of one: a low-priority thread that queued
/// pool work (a continuation, a completed task) could leave a pool worker serving requests at nice 10
/// until it retires, and an unprivileged process cannot raise it back. So a low-priority body queues
/// nothing to the pool (the comparison sinks are synchronous; store writes, which wake async waiters,
/// run on a normal-priority thread), and the task returned here is completed by a normal-priority thread
/// that joins the dedicated one, never by the dedicated thread itself.
/// </remarks>
internal static partial class DedicatedThread
{
    /// <summary>The nice value of low-priority threads: a weight of about a tenth of a request thread's under the Linux scheduler.</summary>
    public const int LowPriorityNice = 10;

    private const int PrioProcess = 0;

    /// <summary>Runs <paramref name="body"/> on a new background thread; the task completes when it returns or throws.</summary>
    public static Task Run(string name, bool lowPriority, Action body)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            if (lowPriority)
            {
                TryLowerCurrentThread();
            }

            try
            {
                body();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();

        // Completed by a joiner created here, by the (normal-priority) caller; it only queues the continuations
        // (asynchronous: they must not run on, and keep alive, the joiner).
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            thread.Join();
            if (failure is null)
            {
                completion.SetResult();
            }
            else
            {
                completion.SetException(failure);
            }
        })
        {
            IsBackground = true,
            Name = "join " + name,
        }.Start();
        return completion.Task;
    }

    /// <summary>Lowers the calling thread's priority; false where the platform does not allow it (the work then runs at normal priority).</summary>
    private static bool TryLowerCurrentThread()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            // On Linux a thread is a schedulable task of its own: PRIO_PROCESS with its tid renices just this thread.
            return setpriority(PrioProcess, gettid(), LowPriorityNice) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code for two int calls.
    [DllImport("libc", SetLastError = true)]
    private static extern int setpriority(int which, int who, int prio);

    [DllImport("libc")]
    private static extern int gettid();
#pragma warning restore SYSLIB1054
}
