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
    IHttpForwarder forwarder,
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

        var snapshot = migration.Current;
        var primary = ChoosePrimary(context, migration, snapshot);
        var decision = ShadowEligibility.Decide(context, snapshot);
        if (decision == ShadowDecision.Mirror && !shadows.TryReserve(migration, snapshot, primary))
        {
            decision = ShadowDecision.Dropped;
        }

        var failover = primary == Backend.Candidate ? migration.Failover : null;
        var hasBody = (failover is not null || decision == ShadowDecision.Mirror) && HasBody(context);
        if (failover is not null
            && !(IsIdempotent(context.Request.Method) && (!hasBody || context.Request.ContentLength <= snapshot.Options.Shadow.MaxBodyBytes)))
        {
            // Not idempotent, or a body too large to keep for a second attempt: no failover for this request.
            failover = null;
        }

        if (decision != ShadowDecision.Mirror && failover is null)
        {
            // Nothing to copy and nothing to send twice (shadow off, skipped or dropped): forward and
            // record, with no state kept across the call beyond a timestamp.
            if (decision.ToOutcome() is { } outcome)
            {
                migration.Metrics.Shadow(outcome);
            }

            return ForwardAsync(context, migration, primary);
        }

        return ProxyAsync(context, migration, snapshot, primary, decision, hasBody, failover, route.Match.Path);
    }

    /// <summary>The candidate when the request's cohort bucket is below the weight (and its breaker is closed), else legacy.</summary>
    private Backend ChoosePrimary(HttpContext context, MigrationRuntime migration, MigrationSnapshot snapshot)
    {
        if (CohortSelector.Bucket(context, migration.Name, snapshot.Options.Cohort) >= snapshot.Threshold)
        {
            return Backend.Legacy;
        }

        if (migration.Failover is { IsOpen: true })
        {
            // Breaker open: candidate-chosen traffic stays on legacy, and counts against the candidate.
            migration.Metrics.Failovers.Inc();
            migration.RecordCall(Backend.Candidate, isError: true, TimeSpan.Zero);
            return Backend.Legacy;
        }

        if (!proxyState.TryGetCluster(migration.CandidateClusterId, out var candidate))
        {
            return Backend.Legacy;
        }

        context.ReassignProxyRequest(candidate);
        return Backend.Candidate;
    }

    /// <summary>The full path: copies for the shadow, and/or (<paramref name="failover"/> set) the candidate attempt with failover to legacy.</summary>
    private async Task ProxyAsync(
        HttpContext context,
        MigrationRuntime migration,
        MigrationSnapshot snapshot,
        Backend primary,
        ShadowDecision decision,
        bool hasBody,
        CandidateFailover? failover,
        string? routeTemplate)
    {
        var request = context.Request;
        var maxBytes = snapshot.Options.Shadow.MaxBodyBytes;

        CappedBuffer? requestCopy = null;
        RequestBodyTee? tee = null;
        CappedBuffer? responseCopy = null;
        var originalBody = request.Body;
        var responseFeature = context.Features.Get<IHttpResponseBodyFeature>()!;
        var servedBy = primary;
        TimeSpan elapsed;
        try
        {
            if (hasBody)
            {
                if (failover is not null)
                {
                    // Failover needs the whole body before the first attempt, to send it again.
                    requestCopy = await CappedBuffer.ReadAsync(originalBody, maxBytes, stopWhenFull: false, context.RequestAborted).ConfigureAwait(false);
                    request.Body = BufferedBody.Open(requestCopy);
                }
                else
                {
                    requestCopy = new CappedBuffer(maxBytes);
                    tee = new RequestBodyTee(originalBody, requestCopy);
                    request.Body = tee;
                }
            }

            if (decision == ShadowDecision.Mirror)
            {
                context.Features.Set(new UpstreamRequestCapture());
                responseCopy = new CappedBuffer(maxBytes);
                context.Features.Set<IHttpResponseBodyFeature>(new ResponseCapture(responseFeature, responseCopy));
            }

            if (failover is not null)
            {
                (servedBy, elapsed) = await ForwardWithFailoverAsync(context, migration, failover, requestCopy).ConfigureAwait(false);
            }
            else
            {
                elapsed = await ForwardAsync(context, migration, primary).ConfigureAwait(false);
            }
        }
        catch
        {
            requestCopy?.Dispose();
            responseCopy?.Dispose();
            if (decision == ShadowDecision.Mirror)
            {
                ShadowDispatcher.Release(migration);
            }

            throw;
        }
        finally
        {
            context.Features.Set(responseFeature);
            request.Body = originalBody;
        }

        var skip = decision == ShadowDecision.Mirror ? ShadowEligibility.AfterPrimary(context, tee, requestCopy) : decision;
        if (skip is null && servedBy != primary)
        {
            // The candidate failed and legacy answered: there is no pair to compare.
            skip = ShadowDecision.Disabled;
        }

        if (skip is not null)
        {
            if (skip.Value.ToOutcome() is { } outcome)
            {
                migration.Metrics.Shadow(outcome);
            }

            if (decision == ShadowDecision.Mirror)
            {
                ShadowDispatcher.Release(migration);
            }

            requestCopy?.Dispose();
            responseCopy?.Dispose();
            return;
        }

        var primaryResponse = Capture(context, responseCopy!, elapsed);
        shadows.Dispatch(context, migration, snapshot, primary, routeTemplate, requestCopy, primaryResponse);
    }

    /// <summary>Forwards to the primary chosen above and records what the client got.</summary>
    private async Task<TimeSpan> ForwardAsync(HttpContext context, MigrationRuntime migration, Backend primary)
    {
        var start = time.GetTimestamp();
        await next(context).ConfigureAwait(false);
        var elapsed = time.GetElapsedTime(start);
        Record(context, migration, primary, elapsed);
        return elapsed;
    }

    /// <summary>The candidate attempt under <see cref="CandidateFailover"/>; legacy answers when it fails.</summary>
    private async Task<(Backend ServedBy, TimeSpan Elapsed)> ForwardWithFailoverAsync(HttpContext context, MigrationRuntime migration, CandidateFailover failover, CappedBuffer? body)
    {
        var attempt = new FailoverAttempt(this, context, migration, body, time.GetTimestamp());
        context.Features.Set(attempt);
        var result = await failover.ExecuteAsync(attempt, context.RequestAborted).ConfigureAwait(false);
        context.Features.Set<FailoverAttempt>(null);

        var elapsed = time.GetElapsedTime(attempt.Start);
        if (result == AttemptResult.Succeeded)
        {
            Record(context, migration, Backend.Candidate, elapsed);
            return (Backend.Candidate, elapsed);
        }

        return (Backend.Legacy, elapsed);
    }

    internal async ValueTask<AttemptResult> AttemptCandidateAsync(FailoverAttempt attempt)
    {
        attempt.Attempted = true;
        await next(attempt.Context).ConfigureAwait(false);
        var error = attempt.Context.Features.Get<IForwarderErrorFeature>();
        return attempt.FailedStatus is not null || (error is not null && !IsClientError(error.Error)) ? AttemptResult.Failed : AttemptResult.Succeeded;
    }

    internal async ValueTask ForwardToLegacyAsync(FailoverAttempt attempt)
    {
        var (context, migration, body, start) = (attempt.Context, attempt.Migration, attempt.Body, attempt.Start);
        attempt.Armed = false;
        if (attempt.Attempted)
        {
            var failedAfter = time.GetElapsedTime(start);
            migration.Metrics.Served(Backend.Candidate, attempt.FailedStatus is not null ? StatusClass.Server5xx : StatusClass.Error, failedAfter);
            migration.RecordCall(Backend.Candidate, isError: true, failedAfter);
        }
        else
        {
            migration.RecordCall(Backend.Candidate, isError: true, TimeSpan.Zero);
        }

        if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested
            || !proxyState.TryGetCluster(migration.LegacyClusterId, out var legacy))
        {
            // Status and headers are on the wire (YARP aborts the client's response), or the client left:
            // legacy answers nothing, so this is no failover.
            return;
        }

        migration.Metrics.Failovers.Inc();
        context.Response.Clear();
        context.Features.Set<IForwarderErrorFeature>(null);
        if (context.Features.Get<IHttpActivityFeature>()?.Activity is { } activity)
        {
            activity.SetTag(Observability.TelemetryServiceCollectionExtensions.FailoverTag, true);
        }

        if (body is not null)
        {
            context.Request.Body = BufferedBody.Open(body);
        }

        var legacyStart = time.GetTimestamp();
        var model = legacy.Model;
        var destination = legacy.Destinations.Values.First().Model.Config.Address;
        await forwarder.SendAsync(context, destination, model.HttpClient, model.Config.HttpRequest ?? ForwarderRequestConfig.Empty,
            context.GetReverseProxyFeature().Route.Transformer).ConfigureAwait(false);
        Record(context, migration, Backend.Legacy, time.GetElapsedTime(legacyStart));
    }

    private static void Record(HttpContext context, MigrationRuntime migration, Backend backend, TimeSpan elapsed)
    {
        var error = context.Features.Get<IForwarderErrorFeature>();
        var clientFault = error is not null && IsClientError(error.Error);
        var status = error is not null && !clientFault ? StatusClass.Error : MigrationMetrics.Classify(context.Response.StatusCode);
        migration.Metrics.Served(backend, status, elapsed);
        if (!clientFault)
        {
            migration.ShadowBudget.RecordPrimary(elapsed);
            // A client that went away says nothing about the backend: it does not count for the gates.
            migration.RecordCall(backend, status is StatusClass.Error or StatusClass.Server5xx, elapsed);
        }
    }

    // Only these may be sent twice (RFC 9110 §9.2.2).
    private static bool IsIdempotent(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)
        || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method) || HttpMethods.IsTrace(method);

    private static CapturedResponse Capture(HttpContext context, CappedBuffer body, TimeSpan elapsed)
    {
        var error = context.Features.Get<IForwarderErrorFeature>();
        if (error is not null)
        {
            body.Dispose();
            return CapturedResponse.Failed(error.Error == ForwarderError.RequestTimedOut ? BackendFailure.Timeout : BackendFailure.ConnectionError, elapsed, error.Error.ToString());
        }

        return new CapturedResponse(context.Response.StatusCode, HeaderList.Copy(context.Response.Headers), body, elapsed);
    }

    private static bool IsClientError(ForwarderError error) => error is ForwarderError.RequestCanceled
        or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient
        or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient
        or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeRequestClient
        or ForwarderError.UpgradeResponseCanceled or ForwarderError.UpgradeResponseClient;

    private static bool HasBody(HttpContext context) =>
        context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? context.Request.ContentLength > 0;
}

internal enum ShadowDecision
{
    Mirror,
    Disabled,

    /// <summary>Eligible, but <c>MaxInFlight</c> shadows were in flight (already counted).</summary>
    Dropped,
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

        if (context.Features.Get<UpstreamRequestCapture>()?.Request is null)
        {
            // The primary was never sent upstream (no destination, or a transform answered or chose its own URI):
            // there is no upstream request to mirror.
            return ShadowDecision.Disabled;
        }

        if (requestCopy is not null && (requestCopy.Overflowed || !(tee is null || tee.Completed || requestCopy.TotalBytes == context.Request.ContentLength)))
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
