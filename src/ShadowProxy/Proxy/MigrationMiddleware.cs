using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using ShadowProxy.Core.Buffers;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Metrics;
using ShadowProxy.Migrations;
using ShadowProxy.Shadow;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace ShadowProxy.Proxy;

/// <summary>
/// The data path of a migrated request, as a step of YARP's proxy pipeline: pick the primary by
/// cohort bucket and the current snapshot, forward (YARP does the work), and when the request is
/// eligible keep bounded copies of its body and of the primary's response for the shadow, which
/// is dispatched without waiting after the client's response is written.
/// </summary>
internal sealed class MigrationMiddleware(
    RequestDelegate next,
    MigrationRegistry registry,
    IProxyStateLookup proxyState,
    ShadowDispatcher shadows,
    TimeProvider time)
{
    public Task InvokeAsync(HttpContext context)
    {
        var route = context.GetReverseProxyFeature().Route.Config;
        if (route.Metadata is null
            || !route.Metadata.TryGetValue(MigrationRegistry.RouteMetadataKey, out var name)
            || !registry.TryGet(name, out var migration))
        {
            return next(context);
        }

        return ProxyAsync(context, migration, route.Match.Path);
    }

    private async Task ProxyAsync(HttpContext context, MigrationRuntime migration, string? routeTemplate)
    {
        var snapshot = migration.Current;
        var options = snapshot.Options;
        var primary = Backend.Legacy;
        var bucket = CohortSelector.Bucket(context, migration.Name, options.Cohort);
        if (bucket < snapshot.Threshold && TryGetCluster(migration.CandidateClusterId, out var candidate))
        {
            context.ReassignProxyRequest(candidate);
            primary = Backend.Candidate;
        }

        var decision = ShadowEligibility.Decide(context, snapshot);
        if (decision != ShadowDecision.Mirror)
        {
            if (decision.ToOutcome() is { } skipped)
            {
                migration.Metrics.Shadow(skipped);
            }

            await ForwardAsync(context, migration, primary).ConfigureAwait(false);
            return;
        }

        var maxBytes = options.Shadow.MaxBodyBytes;
        CappedBuffer? requestCopy = null;
        RequestBodyTee? tee = null;
        var request = context.Request;
        var originalBody = request.Body;
        if (HasBody(context))
        {
            requestCopy = new CappedBuffer(maxBytes);
            tee = new RequestBodyTee(originalBody, requestCopy);
            request.Body = tee;
        }

        var responseFeature = context.Features.Get<IHttpResponseBodyFeature>()!;
        var responseCopy = new CappedBuffer(maxBytes);
        context.Features.Set<IHttpResponseBodyFeature>(new ResponseCapture(responseFeature, responseCopy));
        TimeSpan elapsed;
        try
        {
            elapsed = await ForwardAsync(context, migration, primary).ConfigureAwait(false);
        }
        catch
        {
            requestCopy?.Dispose();
            responseCopy.Dispose();
            throw;
        }
        finally
        {
            context.Features.Set(responseFeature);
            request.Body = originalBody;
        }

        var skip = ShadowEligibility.AfterPrimary(context, tee, requestCopy);
        if (skip is not null)
        {
            if (skip != ShadowDecision.Canceled)
            {
                migration.Metrics.Shadow(skip.Value.ToOutcome()!.Value);
            }

            requestCopy?.Dispose();
            responseCopy.Dispose();
            return;
        }

        var primaryResponse = Capture(context, responseCopy, elapsed);
        shadows.Dispatch(context, migration, snapshot, primary, routeTemplate, requestCopy, primaryResponse);
    }

    /// <summary>Forwards to the primary chosen above and records what the client got.</summary>
    private async Task<TimeSpan> ForwardAsync(HttpContext context, MigrationRuntime migration, Backend primary)
    {
        var start = time.GetTimestamp();
        await next(context).ConfigureAwait(false);
        var elapsed = time.GetElapsedTime(start);
        var error = context.Features.Get<IForwarderErrorFeature>();
        var status = error is not null && !IsClientError(error.Error)
            ? StatusClass.Error
            : MigrationMetrics.Classify(context.Response.StatusCode);
        migration.Metrics.Served(primary, status, elapsed);
        return elapsed;
    }

    private static CapturedResponse Capture(HttpContext context, CappedBuffer body, TimeSpan elapsed)
    {
        var error = context.Features.Get<IForwarderErrorFeature>();
        if (error is not null)
        {
            body.Dispose();
            return CapturedResponse.Failed(error.Error == ForwarderError.RequestTimedOut ? BackendFailure.Timeout : BackendFailure.ConnectionError, elapsed, error.Error.ToString());
        }

        var headers = new List<KeyValuePair<string, string>>(context.Response.Headers.Count);
        foreach (var header in context.Response.Headers)
        {
            headers.Add(new(header.Key, header.Value.ToString()));
        }

        return new CapturedResponse(context.Response.StatusCode, headers, body, elapsed);
    }

    private static bool IsClientError(ForwarderError error) => error is ForwarderError.RequestCanceled
        or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient
        or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient
        or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeRequestClient
        or ForwarderError.UpgradeResponseCanceled or ForwarderError.UpgradeResponseClient;

    private static bool HasBody(HttpContext context) =>
        context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? context.Request.ContentLength > 0;

    private bool TryGetCluster(string clusterId, out ClusterState cluster) => proxyState.TryGetCluster(clusterId, out cluster!);
}

internal enum ShadowDecision
{
    Mirror,
    Disabled,
    SkippedMethod,
    SkippedBody,
    SkippedSample,
    Canceled,
}

/// <summary>The rules of SPEC §3 for which requests are mirrored.</summary>
internal static class ShadowEligibility
{
    public static ShadowDecision Decide(HttpContext context, MigrationSnapshot snapshot)
    {
        if (!snapshot.ShadowEnabled)
        {
            return ShadowDecision.Disabled;
        }

        var request = context.Request;
        if (!snapshot.ShadowMethods.Contains(request.Method) || IsStreamingOrUpgrade(context))
        {
            return ShadowDecision.SkippedMethod;
        }

        if (request.ContentLength > snapshot.Options.Shadow.MaxBodyBytes)
        {
            return ShadowDecision.SkippedBody;
        }

        var percent = snapshot.Options.Shadow.SamplePercent;
        if (percent < 100 && Random.Shared.NextDouble() * 100 >= percent)
        {
            return ShadowDecision.SkippedSample;
        }

        return ShadowDecision.Mirror;
    }

    /// <summary>After the primary answered: a cancelled request, or a body that outgrew the cap, is not mirrored.</summary>
    public static ShadowDecision? AfterPrimary(HttpContext context, RequestBodyTee? tee, CappedBuffer? requestCopy)
    {
        if (context.RequestAborted.IsCancellationRequested
            || context.Features.Get<IForwarderErrorFeature>()?.Error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient)
        {
            return ShadowDecision.Canceled;
        }

        if (requestCopy is not null && (requestCopy.Overflowed || !(tee!.Completed || requestCopy.TotalBytes == context.Request.ContentLength)))
        {
            // Overflowed, or the primary stopped reading before the end: the copy is not the whole body.
            return ShadowDecision.SkippedBody;
        }

        return null;
    }

    public static ShadowOutcome? ToOutcome(this ShadowDecision decision) => decision switch
    {
        ShadowDecision.SkippedMethod => ShadowOutcome.SkippedMethod,
        ShadowDecision.SkippedBody => ShadowOutcome.SkippedBody,
        ShadowDecision.SkippedSample => ShadowOutcome.SkippedSample,
        _ => null,
    };

    // WebSockets and other upgrades, and Server-Sent Events, go to the primary only: a mirrored copy
    // would hold a shadow slot for the life of the stream.
    private static bool IsStreamingOrUpgrade(HttpContext context) =>
        context.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true
        || context.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect == true
        || context.Request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.OrdinalIgnoreCase);
}
