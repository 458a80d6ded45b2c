using ShadowProxy.Tests.Infrastructure;
using ShadowProxy.Threading;

namespace ShadowProxy.Tests.Threading;

public sealed class DedicatedThreadTests
{
    [Fact]
    public async Task Runs_a_low_priority_body_on_its_own_named_background_thread_at_a_lower_priority()
    {
        string? name = null;
        var background = false;
        var poolThread = true;
        var nice = int.MinValue;
        await DedicatedThread.Run("shadowproxy-test", lowPriority: true, () =>
        {
            name = Thread.CurrentThread.Name;
            background = Thread.CurrentThread.IsBackground;
            poolThread = Thread.CurrentThread.IsThreadPoolThread;
            nice = OperatingSystem.IsLinux() ? CurrentThreadNice() : DedicatedThread.LowPriorityNice;
        });

        Assert.Equal("shadowproxy-test", name);
        Assert.True(background, "a background thread never keeps the process alive");
        Assert.False(poolThread, "blocking there must not take a thread-pool thread");
        Assert.Equal(DedicatedThread.LowPriorityNice, nice);
    }

    [Fact]
    public async Task A_normal_priority_body_keeps_the_priority_of_the_thread_that_started_it()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var expected = CurrentThreadNice();
        var nice = int.MinValue;
        await DedicatedThread.Run("shadowproxy-test", lowPriority: false, () => nice = CurrentThreadNice());

        Assert.Equal(expected, nice);
    }

    [Fact]
    public async Task An_exception_in_the_body_faults_the_task_instead_of_the_process()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => DedicatedThread.Run("shadowproxy-test", lowPriority: true, () => throw new InvalidOperationException("boom")));
        Assert.Equal("boom", error.Message);
    }

    [Fact]
    public void Only_the_new_thread_is_lowered()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // On a thread of the test's own, alive throughout: a test's thread may end while the test awaits.
        int before = int.MinValue, after = int.MinValue;
        var caller = new Thread(() =>
        {
            before = CurrentThreadNice();
            DedicatedThread.Run("shadowproxy-test", lowPriority: true, () => { }).Wait();
            after = CurrentThreadNice();
        });
        caller.Start();
        Assert.True(caller.Join(TimeSpan.FromSeconds(10)));
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task The_low_priority_thread_does_not_complete_the_task_others_await()
    {
        // A pool worker created by a nice-10 thread would be nice 10 for good: the awaiter's continuation
        // must not be queued from the low-priority thread when its body ends.
        PoolWorkEvents.AssertObserving();
        var continuedOn = 0;
        await DedicatedThread.Run("shadowproxy-test-completion", lowPriority: true, () => Thread.Sleep(50))
            .ContinueWith(_ => continuedOn = Environment.CurrentManagedThreadId, TaskScheduler.Default);

        Assert.NotEqual(0, continuedOn);
        Assert.Empty(PoolWorkEvents.QueuedFrom("shadowproxy-test-completion"));
    }

    // Field 19 of the thread's stat file; fields are counted after the command name, which may hold spaces.
    private static int CurrentThreadNice()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture);
    }
}
