using System.Diagnostics;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ShadowProxy.Health;
using ShadowProxy.Migrations;
using ShadowProxy.Proxy;
using ShadowProxy.Shadow;
using Yarp.ReverseProxy.Model;

namespace ShadowProxy.Observability;

/// <summary>
/// Traces and log correlation (docs/metrics.md#traces). Metrics are prometheus-net's, in <see cref="Metrics.ProxyMetrics"/>.
/// Tracing is switched on only when something exports it: the OTLP exporter when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (or <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c>) is set, or an
/// exporter given to <see cref="AddShadowProxyTracing"/> (tests use the in-memory one). With neither,
/// no tracer provider listens and the request path creates no spans for nobody.
/// </summary>
internal static class TelemetryServiceCollectionExtensions
{
    public const string ServiceName = "shadowproxy";
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string OtlpTracesEndpointKey = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
    public const string OtlpLogsEndpointKey = "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT";

    /// <summary>YARP's own activity around each forward (<c>proxy.forwarder</c>).</summary>
    public const string YarpActivitySource = "Yarp.ReverseProxy";

    /// <summary>Tags added to the client request's server span.</summary>
    public const string MigrationTag = "shadowproxy.migration";
    public const string PrimaryTag = "shadowproxy.primary";

    /// <summary>Set by the data path on the server span of a request the candidate failed and legacy answered.</summary>
    public const string FailoverTag = FailoverForwarder.FailoverTag;

    private const string IncludeScopesKey = "Logging:Console:FormatterOptions:IncludeScopes";

    public static IServiceCollection AddShadowProxyTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        // Every log line written inside a request (or a shadow call) carries its trace and span id.
        services.Configure<LoggerFactoryOptions>(options => options.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        if (configuration[IncludeScopesKey] is null)
        {
            // The ids travel as a logging scope; the console shows scopes only when asked to.
            services.Configure<SimpleConsoleFormatterOptions>(options => options.IncludeScopes = true);
        }

        if (IsSet(configuration, OtlpEndpointKey) || IsSet(configuration, OtlpTracesEndpointKey))
        {
            services.AddShadowProxyTracing(tracing => tracing.AddOtlpExporter());
        }

        if (IsSet(configuration, OtlpEndpointKey) || IsSet(configuration, OtlpLogsEndpointKey))
        {
            services.AddOpenTelemetry().WithLogging(logging => logging.AddOtlpExporter());
        }

        return services;
    }

    /// <summary>
    /// Turns tracing on with ShadowProxy's sources and instrumentation, and <paramref name="exporter"/>
    /// (called once per call, so several exporters can be added). The instrumentation is added once.
    /// </summary>
    public static IServiceCollection AddShadowProxyTracing(this IServiceCollection services, Action<TracerProviderBuilder> exporter)
    {
        var builder = services.AddOpenTelemetry();
        if (!services.Any(d => d.ServiceType == typeof(TracingMarker)))
        {
            services.AddSingleton<TracingMarker>();
            builder
                .ConfigureResource(resource => resource.AddService(ServiceName))
                .WithTracing(tracing => tracing
                    .AddSource(ShadowDispatcher.ActivitySource.Name)
                    .AddSource(YarpActivitySource)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation());
            services.AddOptions<OpenTelemetry.Instrumentation.AspNetCore.AspNetCoreTraceInstrumentationOptions>()
                .Configure<IServiceProvider>((options, provider) =>
                {
                    var admin = provider.GetService<AdminRequestFilter>();
                    options.Filter = context => !IsScrapeOrProbe(admin, context);
                    options.EnrichWithHttpResponse = Enrich;
                });
        }

        builder.WithTracing(exporter);
        return services;
    }

    /// <summary>Scrapes and probes of the admin listener are not traced: they would drown the traces that matter.</summary>
    private static bool IsScrapeOrProbe(AdminRequestFilter? admin, HttpContext context)
    {
        var path = context.Request.Path;
        return (path.Equals("/metrics", StringComparison.Ordinal) || path.Equals(HealthEndpoints.LivenessPath, StringComparison.Ordinal) || path.Equals(HealthEndpoints.ReadinessPath, StringComparison.Ordinal))
            && admin is not null && admin.IsAdmin(context);
    }

    /// <summary>Adds the migration and the chosen primary to the client's server span (bounded values, no paths).</summary>
    private static void Enrich(Activity activity, HttpResponse response)
    {
        var proxy = response.HttpContext.Features.Get<IReverseProxyFeature>();
        if (proxy?.Route.Config.Metadata is not { } metadata || !metadata.TryGetValue(MigrationRegistry.RouteMetadataKey, out var migration))
        {
            return;
        }

        activity.SetTag(MigrationTag, migration);
        var cluster = proxy.Cluster?.Config.ClusterId;
        if (cluster is not null)
        {
            var failedOver = activity.GetTagItem(FailoverTag) is true;
            activity.SetTag(PrimaryTag, cluster.EndsWith(".candidate", StringComparison.Ordinal) && !failedOver ? "candidate" : "legacy");
        }
    }

    private static bool IsSet(IConfiguration configuration, string key) => !string.IsNullOrWhiteSpace(configuration[key]);

    private sealed class TracingMarker;
}
