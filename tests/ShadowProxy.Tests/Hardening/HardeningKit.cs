using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ShadowProxy.Metrics;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Hardening;

/// <summary>What the hardening tests share: the legacy side, the migration config, and readers of the counters.</summary>
internal static class HardeningKit
{
    public const string Migration = "orders";
    public const string Prefix = "ShadowProxy:Migrations:orders:";

    /// <summary>A healthy legacy backend that answers what <see cref="Fault.None"/> answers.</summary>
    public static Task<TestBackend> StartLegacyAsync() =>
        TestBackend.StartAsync("legacy", async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(FaultBackend.NormalBody(context.Request.Path.Value ?? "/"));
        });

    public static ProxyMetrics Metrics(this TestProxy proxy) => proxy.Services.GetRequiredService<ProxyMetrics>();

    public static double Shadow(this TestProxy proxy, string outcome) => proxy.Metrics().ShadowRequests.WithLabels(Migration, outcome).Value;

    public static double Served(this TestProxy proxy, string backend, string code) => proxy.Metrics().Requests.WithLabels(Migration, backend, code).Value;

    public static double Compared(this TestProxy proxy, string result) => proxy.Metrics().Comparisons.WithLabels(Migration, result).Value;

    public static double ShadowsEnded(this TestProxy proxy) =>
        proxy.Shadow("completed") + proxy.Shadow("error") + proxy.Shadow("timeout");

    public static async Task AssertHealthyAsync(this TestProxy proxy)
    {
        using var health = await proxy.Admin.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    /// <summary>The managed heap after a full collection, in MiB: what a buffered 2 GiB body would show up in.</summary>
    public static long ManagedMiB()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true) / (1024 * 1024);
    }
}

/// <summary>Keeps every log line of a host, for asserting that an error was reported clearly.</summary>
internal sealed class CapturedLog : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Category, string Message)> Entries { get; } = new();

    public void Register(IServiceCollection services) => services.AddSingleton<ILoggerProvider>(this);

    public bool Contains(LogLevel atLeast, string text) =>
        Entries.Any(e => e.Level >= atLeast && e.Message.Contains(text, StringComparison.OrdinalIgnoreCase));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log.Entries.Enqueue((logLevel, category, formatter(state, exception) + (exception is null ? "" : " | " + exception.Message)));
            }
        }
    }
}
