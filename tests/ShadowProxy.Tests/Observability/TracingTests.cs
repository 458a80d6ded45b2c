using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Trace;
using ShadowProxy.Observability;
using ShadowProxy.Shadow;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Observability;

/// <summary>docs/metrics.md#traces traces: the client's spans, the primary's, and the shadow as its own linked root.</summary>
public sealed class TracingTests
{
    [Fact]
    public async Task Shadow_span_is_a_linked_root_and_both_backends_get_their_own_traceparent()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var exported = new List<Activity>();
        await using var proxy = await TestProxy.StartAsync(
            TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address),
            services => services.AddShadowProxyTracing(tracing => tracing.AddInMemoryExporter(exported)));

        var clientTrace = ActivityTraceId.CreateRandom();
        var clientSpan = ActivitySpanId.CreateRandom();
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/api/orders/42"))
        using (SuppressInstrumentationScope.Begin())
        {
            // The test process is traced too: suppressed, its HttpClient sends the traceparent as given.
            request.Headers.Add("traceparent", $"00-{clientTrace}-{clientSpan}-01");
            using var response = await proxy.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await Eventually.True(() => candidate.Requests.Any(r => r.IsShadow), "the shadow reached the candidate");
        await Eventually.True(() => Snapshot(exported).Any(a => a.Source.Name == ShadowDispatcher.ActivitySource.Name && a.Links.Any(l => l.Context.TraceId == clientTrace)), "the shadow span was exported");
        var spans = Snapshot(exported);

        // The client's request: the server span continues the caller's trace.
        var server = Assert.Single(spans, a => a.Kind == ActivityKind.Server && a.TraceId == clientTrace && a.Source.Name == "Microsoft.AspNetCore" && a.ParentSpanId == clientSpan);
        Assert.Equal("orders", server.GetTagItem(TelemetryServiceCollectionExtensions.MigrationTag));
        Assert.Equal("legacy", server.GetTagItem(TelemetryServiceCollectionExtensions.PrimaryTag));

        // The primary call: YARP's forwarder span and the HttpClient span under it, in the client's trace.
        var forwarder = Assert.Single(spans, a => a.Source.Name == TelemetryServiceCollectionExtensions.YarpActivitySource && a.TraceId == clientTrace);
        Assert.Equal(server.SpanId, forwarder.ParentSpanId);
        var primaryCall = Assert.Single(spans, a => a.Kind == ActivityKind.Client && a.TraceId == clientTrace && a.ParentSpanId == forwarder.SpanId);
        Assert.True(server.StartTimeUtc + server.Duration >= primaryCall.StartTimeUtc + primaryCall.Duration, "the primary call ends inside the client's span");
        var legacyRequest = Assert.Single(legacy.Requests);
        Assert.Equal($"00-{clientTrace}-{primaryCall.SpanId}-01", legacyRequest.Header("traceparent"));

        // The shadow: a new root linked (not parented) to the client's server span.
        var shadow = Assert.Single(spans, a => a.Source.Name == ShadowDispatcher.ActivitySource.Name && a.Links.Any(l => l.Context.TraceId == clientTrace));
        Assert.Equal(ActivityKind.Internal, shadow.Kind);
        Assert.Equal(default, shadow.ParentSpanId);
        Assert.NotEqual(clientTrace, shadow.TraceId);
        var link = Assert.Single(shadow.Links);
        Assert.Equal(server.SpanId, link.Context.SpanId);
        Assert.Equal("orders", shadow.GetTagItem("shadowproxy.migration"));
        Assert.Equal("candidate", shadow.GetTagItem("shadowproxy.backend"));
        Assert.Equal(200, shadow.GetTagItem("http.response.status_code"));

        // The shadow's HttpClient span is its child, and its id (never the client's) is what the candidate got.
        var shadowCall = Assert.Single(spans, a => a.Kind == ActivityKind.Client && a.ParentSpanId == shadow.SpanId);
        Assert.Equal(shadow.TraceId, shadowCall.TraceId);
        var shadowRequest = Assert.Single(candidate.Requests, r => r.IsShadow);
        Assert.Equal($"00-{shadow.TraceId}-{shadowCall.SpanId}-01", shadowRequest.Header("traceparent"));
        Assert.DoesNotContain(clientTrace.ToString(), shadowRequest.Headers.Values.Aggregate(string.Empty, string.Concat));
    }

    [Fact]
    public async Task Untraced_the_shadow_does_not_carry_the_clients_trace_context()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        await using var proxy = await TestProxy.StartAsync(TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address));
        var traceparent = $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01";
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/api/orders/7"))
        using (SuppressInstrumentationScope.Begin())
        {
            request.Headers.Add("traceparent", traceparent);
            request.Headers.Add("tracestate", "vendor=1");
            using var response = await proxy.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await Eventually.True(() => candidate.Requests.Any(r => r.IsShadow), "the shadow reached the candidate");
        var shadow = Assert.Single(candidate.Requests, r => r.IsShadow);
        Assert.NotEqual(traceparent, shadow.Header("traceparent"));
        Assert.Null(shadow.Header("tracestate"));
    }

    [Fact]
    public async Task A_request_that_failed_over_says_legacy_answered_on_its_server_span()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate", context =>
        {
            context.Response.StatusCode = 503;
            return Task.CompletedTask;
        });
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Migrations:orders:Ramp:Stages:0:Weight"] = "100";
        config["ShadowProxy:Migrations:orders:Shadow:Enabled"] = "false";
        var exported = new List<Activity>();
        await using var proxy = await TestProxy.StartAsync(config, services => services.AddShadowProxyTracing(tracing => tracing.AddInMemoryExporter(exported)));

        var trace = ActivityTraceId.CreateRandom();
        var caller = ActivitySpanId.CreateRandom();
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/api/orders/1"))
        using (SuppressInstrumentationScope.Begin())
        {
            request.Headers.Add("traceparent", $"00-{trace}-{caller}-01");
            using var response = await proxy.Client.SendAsync(request);
            Assert.Equal("legacy", response.Headers.GetValues("X-Backend").Single());
        }

        // The proxy's server span is the one whose parent is the caller (the test backends are traced too).
        bool IsProxySpan(Activity a) => a.Kind == ActivityKind.Server && a.TraceId == trace && a.ParentSpanId == caller;
        await Eventually.True(() => Snapshot(exported).Any(IsProxySpan), "the server span was exported");
        var server = Snapshot(exported).Single(IsProxySpan);
        Assert.Equal("legacy", server.GetTagItem(TelemetryServiceCollectionExtensions.PrimaryTag));
        Assert.Equal(true, server.GetTagItem(TelemetryServiceCollectionExtensions.FailoverTag));
    }

    [Fact]
    public async Task A_rollback_logs_one_information_line_with_its_reason_and_the_trace_id()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var logs = new CapturingLoggerProvider();
        var exported = new List<Activity>();

        // Traced, as in production with an OTLP endpoint. Untraced, the proxy creates no per-request
        // Activity (that is ~10 % of its throughput), so request logs then carry no trace id.
        await using var proxy = await TestProxy.StartAsync(
            TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address),
            services =>
            {
                services.AddSingleton<ILoggerProvider>(logs);
                services.AddShadowProxyTracing(tracing => tracing.AddInMemoryExporter(exported));
            });

        for (var i = 0; i < 5; i++)
        {
            using var response = await proxy.Client.GetAsync($"/api/orders/{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var trace = ActivityTraceId.CreateRandom();
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/migrations/orders/rollback") { Content = JsonContent.Create(new { reason = "candidate returns stale prices" }) })
        using (SuppressInstrumentationScope.Begin())
        {
            request.Headers.Add("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
            using var response = await proxy.Admin.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var changes = logs.Entries.Where(e => e.Category == "ShadowProxy.Migrations.MigrationController" && e.Level == LogLevel.Information && e.Message.Contains("Rollback", StringComparison.OrdinalIgnoreCase)).ToList();
        var change = Assert.Single(changes);
        Assert.Contains("candidate returns stale prices", change.Message);
        Assert.Equal(trace.ToString(), change.Scope.GetValueOrDefault("TraceId"));

        // Proxied requests log nothing at Information.
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Information && e.Message.Contains("/api/orders/", StringComparison.Ordinal));
    }

    private static List<Activity> Snapshot(List<Activity> exported)
    {
        lock (exported)
        {
            return exported.ToList();
        }
    }

    private sealed record LogEntry(string Category, LogLevel Level, string Message, Dictionary<string, string?> Scope);

    /// <summary>Captures log lines with the key/value pairs of their scopes (where the trace id travels).</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public ConcurrentQueue<LogEntry> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scope = new Dictionary<string, string?>();
                provider._scopes.ForEachScope(
                    (value, target) =>
                    {
                        if (value is IEnumerable<KeyValuePair<string, object?>> pairs)
                        {
                            foreach (var pair in pairs)
                            {
                                target[pair.Key] = pair.Value?.ToString();
                            }
                        }
                    },
                    scope);
                provider.Entries.Enqueue(new LogEntry(category, logLevel, formatter(state, exception), scope));
            }
        }
    }
}
