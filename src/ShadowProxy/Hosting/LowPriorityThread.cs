using System.Runtime.InteropServices;

namespace ShadowProxy.Hosting;

/// <summary>
/// Dedicated threads for work that must never compete with the client's path on equal terms
/// (comparisons): on Linux they run at a lower CPU priority (nice <see cref="Nice"/>), so on a
/// saturated machine the scheduler serves request threads first and the background work falls
/// behind into its bounded queue, where overflow is dropped and counted.
/// </summary>
internal static partial class LowPriorityThread
{
    /// <summary>The nice value of the threads: a weight of about a tenth of a request thread's under the Linux scheduler.</summary>
    public const int Nice = 10;

    private const int PrioProcess = 0;

    /// <summary>Runs <paramref name="body"/> on a new background thread; the task completes when it returns or throws.</summary>
    public static Task Run(string name, Action body)
    {
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            TryLowerCurrentThread();
            try
            {
                body();
                completion.SetResult();
            }
            catch (Exception ex)
            {
                completion.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return completion.Task;
    }

    /// <summary>Lowers the calling thread's priority; false where the platform does not allow it (the work then runs at normal priority).</summary>
    public static bool TryLowerCurrentThread()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            // On Linux a thread is a schedulable task of its own: PRIO_PROCESS with its tid renices just this thread.
            return setpriority(PrioProcess, gettid(), Nice) == 0;
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
