using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.Features;
using ShadowProxy.Capture;
using ShadowProxy.Comparison;
using ShadowProxy.Core.Buffers;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Metrics;
using ShadowProxy.Migrations;
using ShadowProxy.Outcomes;

namespace ShadowProxy.Shadow;

/// <summary>
/// Sends the shadow copy of a request to the other backend, off the client's path: the request
/// message is built while the <see cref="HttpContext"/> is still valid, then the call runs on the
/// thread pool without the request's execution context (so it neither inherits the client's
/// Activity nor its cancellation). At most <c>MaxInFlight</c> per migration; overflow is dropped
/// and counted, never queued. A pair that came back goes on to the <see cref="ComparisonQueue"/>.
/// </summary>
internal sealed partial class ShadowDispatcher(
    ShadowTargets targets,
    ComparisonQueue comparisons,
    OutcomeRecorder outcomes,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<ShadowDispatcher> logger)
{
    public static readonly ActivitySource ActivitySource = new("ShadowProxy.Shadow");

    // Shadows in flight at shutdown end within their Timeout, or when the host disposes the shadow clients.
    private readonly TimeoutSourcePool _timeouts = new(time);

    /// <summary>
    /// Takes a shadow slot before the primary is called, so that a request whose shadow would be dropped pays for no
    /// copies, and chooses where the copy goes (<paramref name="target"/>, <see cref="ShadowTargets"/>).
    /// <see cref="ShadowDecision.Dropped"/> (counted here) when the shadow limit in force is taken
    /// (<see cref="ShadowBudget"/>: adaptive, docs/configuration.md#shadow, or <c>MaxInFlight</c>), or while the shadow
    /// backend is closing its connections (<see cref="ConnectionOpenLimiter"/>, sized by the ceiling);
    /// <see cref="ShadowDecision.SkippedUnavailable"/> when the other backend's cluster has no available destination.
    /// </summary>
    public ShadowDecision TryReserve(HttpContext context, MigrationRuntime migration, MigrationSnapshot snapshot, Backend primary, out ShadowTarget target)
    {
        if (!targets.TryResolve(context, snapshot, primary == Backend.Legacy ? Backend.Candidate : Backend.Legacy, out target))
        {
            return ShadowDecision.SkippedUnavailable;
        }

        if (!target.Limiter.IsExhausted(snapshot.Options.Shadow.MaxInFlight))
        {
            if (migration.TryEnterShadow(migration.ShadowBudget.Limit))
            {
                return ShadowDecision.Mirror;
            }

            migration.ShadowBudget.CountRefused();
        }

        outcomes.Shadow(migration, ShadowOutcome.Dropped);
        return ShadowDecision.Dropped;
    }

    /// <summary>Gives back a slot taken by <see cref="TryReserve"/> when the shadow is not sent after all.</summary>
    public static void Release(MigrationRuntime migration) => migration.ExitShadow();

    /// <summary>Sends the shadow on the slot reserved by <see cref="TryReserve"/>; the slot is released when the call ends.</summary>
    public void Dispatch(
        HttpContext context,
        MigrationRuntime migration,
        MigrationSnapshot snapshot,
        Backend primary,
        in ShadowTarget target,
        string? routeTemplate,
        CappedBuffer? requestBody,
        CapturedResponse primaryResponse)
    {
        ShadowCall call;
        try
        {
            // The primary's upstream request, captured by the route's last transform (docs/security.md: the same request, plus the marker).
            var upstream = context.Features.Get<UpstreamRequestCapture>()?.Request
                ?? throw new InvalidOperationException("The primary's upstream request was not captured.");
            var message = upstream.CreateCopy(target.Prefix, target.Version, target.VersionPolicy, requestBody);
            var probe = WantsProbe(snapshot, context.Request.Method) && targets.TryResolveProbe(context, snapshot, out var probeTarget) ? probeTarget : default;
            call = new ShadowCall(this, migration, snapshot, primary, target, message, requestBody, primaryResponse)
            {
                // The probe copy is the same upstream request, built by the same code, sent to legacy (or the probe's Address).
                ProbeMessage = probe.Invoker is null ? null : upstream.CreateCopy(probe.Prefix, probe.Version, probe.VersionPolicy, requestBody),
                ProbeTarget = probe,
                RouteTemplate = routeTemplate,
                Path = context.Request.Path.Value ?? "/",
                Query = context.Request.QueryString.Value ?? string.Empty,
                // The client request's server span (Activity.Current is YARP's proxy.forwarder here).
                ClientActivity = (context.Features.Get<IHttpActivityFeature>()?.Activity ?? Activity.Current)?.Context ?? default,
            };
        }
        catch (Exception ex)
        {
            migration.ExitShadow();
            outcomes.Shadow(migration, ShadowOutcome.Error);
            requestBody?.Dispose();
            primaryResponse.Dispose();
            LogBuildFailed(logger, migration.Name, ex);
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(call, preferLocal: false);
    }

    /// <summary>
    /// The noise probe (docs/comparison.md#the-noise-probe) samples <c>Diff:NoiseProbe:SamplePercent</c> of the shadowed requests whose method is
    /// safe: sending them twice to legacy must not change anything there.
    /// </summary>
    private static bool WantsProbe(MigrationSnapshot snapshot, string method)
    {
        var probe = snapshot.Options.Diff.NoiseProbe;
        return probe.Enabled && probe.SamplePercent > 0
            && (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method))
            && (probe.SamplePercent >= 100 || Random.Shared.NextDouble() * 100 < probe.SamplePercent);
    }

    internal async Task RunAsync(ShadowCall call)
    {
        var migration = call.Migration;
        using var activity = StartActivity(call);
        CapturedResponse? shadowResponse = null;
        CapturedResponse? failure = null;
        var start = time.GetTimestamp();
        var timeoutSource = _timeouts.Rent(call.Target.Timeout);
        try
        {
            shadowResponse = await SendAsync(call.Message, call.Target.Invoker, call.Snapshot, start, timeoutSource.Token).ConfigureAwait(false);
            outcomes.ShadowAnswered(migration, call.ShadowBackend, shadowResponse);
            activity?.SetTag("http.response.status_code", shadowResponse.StatusCode);
        }
        catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "timeout");
            failure = CapturedResponse.Failed(BackendFailure.Timeout, time.GetElapsedTime(start));
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            LogShadowFailed(logger, migration.Name, ex.Message);
            var reason = lifetime.ApplicationStopping.IsCancellationRequested ? BackendFailure.Canceled : BackendFailure.ConnectionError;
            failure = CapturedResponse.Failed(reason, time.GetElapsedTime(start), ex.Message);
        }
        finally
        {
            if (shadowResponse is null || call.ProbeMessage is null)
            {
                migration.ExitShadow();
            }

            call.Message.Dispose();
            _timeouts.Return(timeoutSource);
        }

        if (shadowResponse is null)
        {
            using (failure)
            {
                outcomes.ShadowFailed(migration, call.Endpoint, call.ShadowBackend, failure!);
            }

            call.ProbeMessage?.Dispose();
            call.ReleaseBuffers();
            return;
        }

        // The probe runs after the shadow, on the same in-flight slot: it takes no admission of its own.
        var probeResponse = call.ProbeMessage is null ? null : await ProbeAsync(call).ConfigureAwait(false);
        var exchange = call.ToExchange(shadowResponse, probeResponse, time.GetUtcNow());
        if (!comparisons.TryEnqueue(new PendingComparison(migration, exchange)))
        {
            outcomes.ComparisonDropped(migration);
            exchange.Dispose();
        }
    }

    /// <summary>
    /// Sends the noise probe's copy to legacy and reads its answer; null when it fails (a probe pair is
    /// knowledge, not a comparison: a failure only means one pair fewer). Releases the shadow slot.
    /// </summary>
    private async Task<CapturedResponse?> ProbeAsync(ShadowCall call)
    {
        var timeoutSource = _timeouts.Rent(call.ProbeTarget.Timeout);
        try
        {
            outcomes.Shadow(call.Migration, ShadowOutcome.Probe);
            return await SendAsync(call.ProbeMessage!, call.ProbeTarget.Invoker, call.Snapshot, time.GetTimestamp(), timeoutSource.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogProbeFailed(logger, call.Migration.Name, ex.Message);
            return null;
        }
        finally
        {
            call.Migration.ExitShadow();
            call.ProbeMessage!.Dispose();
            _timeouts.Return(timeoutSource);
        }
    }

    /// <summary>Sends one copy and reads its answer; a body longer than <c>MaxBodyBytes</c> is cut (and so marked truncated) without reading on.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<CapturedResponse> SendAsync(HttpRequestMessage message, HttpMessageInvoker invoker, MigrationSnapshot snapshot, long start, CancellationToken cancellationToken)
    {
        using var response = await invoker.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var body = await CappedBuffer.ReadAsync(stream, snapshot.Options.Shadow.MaxBodyBytes, stopWhenFull: true, cancellationToken).ConfigureAwait(false);
        return new CapturedResponse((int)response.StatusCode, HeaderList.Copy(response.Headers, response.Content.Headers), body, time.GetElapsedTime(start));
    }

    private static Activity? StartActivity(ShadowCall call)
    {
        // Its own trace root, linked to the client's span: shadow time never inflates the client's trace.
        ActivityLink[]? links = call.ClientActivity == default ? null : [new ActivityLink(call.ClientActivity)];
        // Internal: the HttpClient span under it is the client span of the call (and carries the traceparent).
        var activity = ActivitySource.StartActivity("shadow " + call.Message.Method.Method, ActivityKind.Internal, parentContext: default, links: links);
        activity?.SetTag("shadowproxy.migration", call.Migration.Name);
        activity?.SetTag("shadowproxy.backend", call.ShadowBackend == Backend.Legacy ? "legacy" : "candidate");
        return activity;
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "Shadow request for {Migration} failed: {Reason}")]
    private static partial void LogShadowFailed(ILogger logger, string migration, string reason);

    [LoggerMessage(EventId = 12, Level = LogLevel.Debug, Message = "Noise probe for {Migration} failed: {Reason}")]
    private static partial void LogProbeFailed(ILogger logger, string migration, string reason);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Shadow request for {Migration} could not be built")]
    private static partial void LogBuildFailed(ILogger logger, string migration, Exception exception);
}
