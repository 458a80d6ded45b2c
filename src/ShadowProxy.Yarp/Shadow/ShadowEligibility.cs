using Microsoft.AspNetCore.Http.Features;
using ShadowProxy.Capture;
using ShadowProxy.Metrics;
using ShadowProxy.Migrations;
using Yarp.ReverseProxy.Forwarder;

namespace ShadowProxy.Shadow;

/// <summary>The rules (docs/configuration.md#shadow) for which requests are mirrored: before the primary is called, and after it answered.</summary>
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

    /// <summary>
    /// After the primary answered: a cancelled request, one never sent upstream, or one whose body copy is not the
    /// whole body (<paramref name="wholeBody"/> false) is not mirrored; null when the shadow goes ahead.
    /// </summary>
    public static ShadowDecision? AfterPrimary(HttpContext context, bool wholeBody)
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

        return wholeBody ? null : ShadowDecision.SkippedBody;
    }

    /// <summary>The counted outcome of a request not mirrored, or null for reasons that are not counted.</summary>
    public static ShadowOutcome? ToOutcome(this ShadowDecision decision) => decision switch
    {
        ShadowDecision.SkippedMethod => ShadowOutcome.SkippedMethod,
        ShadowDecision.SkippedBody => ShadowOutcome.SkippedBody,
        ShadowDecision.SkippedSample => ShadowOutcome.SkippedSample,
        ShadowDecision.SkippedUnavailable => ShadowOutcome.SkippedUnavailable,
        _ => null,
    };

    // WebSockets and other upgrades, and Server-Sent Events, go to the primary only: a mirrored copy
    // would hold a shadow slot for the life of the stream.
    private static bool IsStreamingOrUpgrade(HttpContext context) =>
        context.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true
        || context.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect == true
        || context.Request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.OrdinalIgnoreCase);
}
