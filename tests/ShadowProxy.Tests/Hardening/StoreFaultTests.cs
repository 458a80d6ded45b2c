using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ShadowProxy.Storage;
using ShadowProxy.Tests.Infrastructure;
using static ShadowProxy.Tests.Hardening.HardeningKit;

namespace ShadowProxy.Tests.Hardening;

/// <summary>
/// Faults of the real SQLite store while the proxy runs: the disk full, the file made unwritable, the
/// file corrupt. The data path keeps serving; comparisons that cannot be stored are counted
/// (<see cref="DiffRecorder.StoreErrors"/>) and logged clearly; what was committed before the fault is
/// still there after it; a rollback made during the fault is in force at once and saved once the store
/// recovers, so a restart never brings the weight back up.
/// </summary>
/// <remarks>
/// Tests run as root in CI, where chmod does not stop writes. What does fail for root: a full tmpfs
/// (mounting needs root) and an immutable file (<c>chattr +i</c>, ext2/3/4 and a few others). Where they
/// are unavailable the tests are skipped with the reason.
/// </remarks>
public sealed class StoreFaultTests
{
    [StoreFaultFact(Needs.Mount)]
    public async Task A_full_disk_loses_no_client_request_and_no_committed_state()
    {
        var directory = Directory.CreateTempSubdirectory("shadowproxy-full-").FullName;
        Run("mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", directory);
        try
        {
            var filler = Path.Combine(directory, "filler");
            await RunScenarioAsync(
                Path.Combine(directory, "state.db"),
                inject: () => Fill(filler),
                clear: () => File.Delete(filler),
                expectedError: "full");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Run("umount", "-l", directory);
        }
    }

    [StoreFaultFact(Needs.Chattr)]
    public async Task An_unwritable_database_file_loses_no_client_request_and_no_committed_state()
    {
        var directory = Directory.CreateTempSubdirectory("shadowproxy-readonly-").FullName;
        var database = Path.Combine(directory, "state.db");
        // The database and its write-ahead log, not the shared-memory index (state.db-shm): SQLite maps that
        // file into memory, and a write to a mapped page of an immutable file is answered by the kernel with
        // SIGBUS, which no process survives. Writes to the log fail with an I/O error, which is the fault.
        string[] Files() => [.. Directory.GetFiles(directory, "state.db*").Where(f => !f.EndsWith("-shm", StringComparison.Ordinal))];
        try
        {
            await RunScenarioAsync(
                database,
                inject: () => Array.ForEach(Files(), f => Run("chattr", "+i", f)),
                clear: () => Array.ForEach(Files(), f => Run("chattr", "-i", f)),
                expectedError: "SQLite Error");
        }
        finally
        {
            Array.ForEach(Files(), f => Run("chattr", "-i", f));
        }
    }

    [Fact]
    public async Task A_corrupt_database_file_stops_start_up_with_its_path_and_is_left_as_it_was()
    {
        var directory = Directory.CreateTempSubdirectory("shadowproxy-corrupt-").FullName;
        var database = Path.Combine(directory, "state.db");
        var garbage = new byte[64 * 1024];
        new Random(3).NextBytes(garbage);
        await File.WriteAllBytesAsync(database, garbage);
        await using var legacy = await StartLegacyAsync();
        var config = Config(legacy.Address, Shadow.ShadowIsolationTests.ClosedPortAddress(), database);

        // Starting on the default state instead would silently move every migration back to its first
        // stage (an "owned" candidate back to 0 %): refuse to start, and say which file is at fault.
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestProxy.StartAsync(config));

        Assert.Contains(database, error.Message);
        Assert.Contains("not a database", error.Message);
        Assert.Equal(garbage, await File.ReadAllBytesAsync(database));
    }

    /// <summary>
    /// Before the fault: a promote (state + audit) and some stored comparisons. During: traffic (all
    /// served), a refused promote, an accepted rollback. After: the recorder writes again, the earlier
    /// state and audit are intact, and a restarted proxy comes up rolled back.
    /// </summary>
    private static async Task RunScenarioAsync(string database, Action inject, Action clear, string expectedError)
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = Config(legacy.Address, candidate.Address, database);
        var log = new CapturedLog();
        var faulted = false;
        await using (var proxy = await TestProxy.StartAsync(config, log.Register))
        {
            var recorder = proxy.Services.GetRequiredService<DiffRecorder>();
            await CommandAsync(proxy, "promote", HttpStatusCode.OK);
            await SendAsync(proxy, "before", 20);
            await Eventually.True(() => recorder.Written == 20, "the comparisons before the fault were stored");

            try
            {
                inject();
                faulted = true;
                await SendAsync(proxy, "during", 200);
                await Eventually.True(() => recorder.StoreErrors > 0, "the store's failure was counted", TimeSpan.FromSeconds(20));
                await Eventually.True(() => log.Contains(LogLevel.Error, "Diff store write"), "the failed write is logged as an error");
                var metrics = await proxy.Admin.GetStringAsync("/metrics");
                Assert.Matches(@"shadowproxy_store_errors_total [1-9]", metrics);
                Assert.True(log.Contains(LogLevel.Error, expectedError), $"the log says why ({expectedError})");

                // A raise is persisted before it is in force: refused while the store cannot write.
                await CommandAsync(proxy, "weight", null, new { weight = 50 });
                Assert.Equal(10m, (await ViewAsync(proxy)).GetProperty("weight").GetDecimal());

                // A rollback is in force at once, store or no store.
                await CommandAsync(proxy, "rollback", null, new { reason = "store fault drill" });
                Assert.Equal(0m, (await ViewAsync(proxy)).GetProperty("weight").GetDecimal());
                Assert.Equal("legacy", await ServedByAsync(proxy));
            }
            finally
            {
                if (faulted)
                {
                    clear();
                }
            }

            var written = recorder.Written;
            await SendAsync(proxy, "after", 20);
            await Eventually.True(() => recorder.Written >= written + 20, "the recorder stores again once the fault cleared", TimeSpan.FromSeconds(20));
            await proxy.AssertHealthyAsync();
        }

        await using (var restarted = await TestProxy.StartAsync(config))
        {
            var view = await ViewAsync(restarted);
            Assert.Equal("RolledBack", view.GetProperty("status").GetString());
            Assert.Equal(0m, view.GetProperty("weight").GetDecimal());
            var audit = await restarted.Admin.GetFromJsonAsync<JsonElement>("/api/v1/audit?migration=orders");
            var actions = audit.EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
            Assert.Contains("promote", actions);
            Assert.Contains("rollback", actions);
            Assert.DoesNotContain(audit.EnumerateArray(), e => e.GetProperty("to").GetString()?.Contains("50") == true);
            var summary = await restarted.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders/diffs/summary");
            Assert.Contains("before", summary.GetRawText());
        }

        using var check = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        check.Open();
        using var integrity = check.CreateCommand();
        integrity.CommandText = "PRAGMA integrity_check";
        Assert.Equal("ok", integrity.ExecuteScalar());
    }

    private static Dictionary<string, string?> Config(Uri legacy, Uri candidate, string database)
    {
        var config = TestProxy.MigrationConfig(Migration, legacy, candidate);
        config["ShadowProxy:Store:Sqlite:Path"] = database;
        config[Prefix + "Ramp:Stages:1:Name"] = "canary";
        config[Prefix + "Ramp:Stages:1:Weight"] = "10";
        config[Prefix + "Ramp:Stages:2:Name"] = "half";
        config[Prefix + "Ramp:Stages:2:Weight"] = "50";
        config[Prefix + "Cohort:From"] = "Header:X-User-Id";
        return config;
    }

    /// <summary>Requests at distinct endpoints (so that each needs new counters and a sample); every one must be served.</summary>
    private static async Task SendAsync(TestProxy proxy, string phase, int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/{phase}{Letters(i)}/items");
            request.Headers.Add("X-User-Id", "user-on-legacy-" + (i % 3));
            using var response = await proxy.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        static string Letters(int i) => new(i.ToString().Select(c => (char)('q' + c - '0')).ToArray());
    }

    private static async Task<string> ServedByAsync(TestProxy proxy)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/orders/1");
        request.Headers.Add("X-User-Id", "anyone");
        using var response = await proxy.Client.SendAsync(request);
        return response.Headers.GetValues("X-Backend").Single();
    }

    private static async Task CommandAsync(TestProxy proxy, string command, HttpStatusCode? expected, object? body = null)
    {
        using var response = await proxy.Admin.PostAsJsonAsync($"/api/v1/migrations/orders/{command}", body ?? new { });
        if (expected is { } status)
        {
            Assert.Equal(status, response.StatusCode);
        }
    }

    private static async Task<JsonElement> ViewAsync(TestProxy proxy) =>
        await proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders");

    /// <summary>Writes zeros until the file system is full.</summary>
    private static void Fill(string path)
    {
        var block = new byte[64 * 1024];
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        try
        {
            for (var i = 0; i < 100_000; i++)
            {
                stream.Write(block);
            }
        }
        catch (IOException)
        {
            // Full: what we wanted.
        }
    }

    internal static void Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        process.WaitForExit(10_000);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)}: exit {process.ExitCode}: {process.StandardError.ReadToEnd()}");
        }
    }
}

[Flags]
public enum Needs
{
    Mount = 1,
    Chattr = 2,
}

/// <summary>A fact skipped (with the reason) where the fault cannot be made: not root, or no immutable-file support.</summary>
public sealed class StoreFaultFactAttribute : FactAttribute
{
    public StoreFaultFactAttribute(Needs needs)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root: a full disk is a small tmpfs (mount), an unwritable file is chattr +i; as non-root neither can be made";
        }
        else if (needs.HasFlag(Needs.Chattr) && !ChattrWorks())
        {
            Skip = $"chattr +i is not supported on the file system of {Path.GetTempPath()} (needs ext2/3/4 or similar)";
        }
    }

    private static bool ChattrWorks()
    {
        var probe = Path.Combine(Path.GetTempPath(), $"shadowproxy-chattr-{Guid.NewGuid():N}");
        File.WriteAllText(probe, "probe");
        try
        {
            StoreFaultTests.Run("chattr", "+i", probe);
            StoreFaultTests.Run("chattr", "-i", probe);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
        finally
        {
            File.Delete(probe);
        }
    }
}
