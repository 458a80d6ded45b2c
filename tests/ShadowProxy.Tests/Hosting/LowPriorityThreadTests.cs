using ShadowProxy.Hosting;

namespace ShadowProxy.Tests.Hosting;

public sealed class LowPriorityThreadTests
{
    [Fact]
    public async Task Runs_the_body_on_its_own_named_background_thread_at_a_lower_priority()
    {
        string? name = null;
        var background = false;
        var poolThread = true;
        var nice = int.MinValue;
        await LowPriorityThread.Run("shadowproxy-test", () =>
        {
            name = Thread.CurrentThread.Name;
            background = Thread.CurrentThread.IsBackground;
            poolThread = Thread.CurrentThread.IsThreadPoolThread;
            nice = OperatingSystem.IsLinux() ? CurrentThreadNice() : LowPriorityThread.Nice;
        });

        Assert.Equal("shadowproxy-test", name);
        Assert.True(background, "a background thread never keeps the process alive");
        Assert.False(poolThread, "blocking there must not take a thread-pool thread");
        Assert.Equal(LowPriorityThread.Nice, nice);
    }

    [Fact]
    public async Task An_exception_in_the_body_faults_the_task_instead_of_the_process()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => LowPriorityThread.Run("shadowproxy-test", () => throw new InvalidOperationException("boom")));
        Assert.Equal("boom", error.Message);
    }

    [Fact]
    public async Task Only_the_calling_thread_is_lowered()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // The calling thread by its id: the await may resume on another thread, whose priority says nothing here.
        var caller = Path.GetFileName(new DirectoryInfo("/proc/thread-self").LinkTarget!);
        var before = Nice($"/proc/self/task/{caller}/stat");
        await LowPriorityThread.Run("shadowproxy-test", () => { });
        Assert.Equal(before, Nice($"/proc/self/task/{caller}/stat"));
    }

    private static int CurrentThreadNice() => Nice("/proc/thread-self/stat");

    // Field 19 of a task's stat file; fields are counted after the command name, which may hold spaces.
    private static int Nice(string statPath)
    {
        var stat = File.ReadAllText(statPath);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture);
    }
}
