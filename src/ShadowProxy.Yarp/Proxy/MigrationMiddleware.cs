using ShadowProxy.Capture;
using ShadowProxy.Core.Buffers;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Migrations;
using ShadowProxy.Outcomes;
using ShadowProxy.Shadow;

namespace ShadowProxy.Proxy;

/// <summary>
/// The data path of a migrated request, as a step of YARP's proxy pipeline, in one direction: choose the primary
/// (<see cref="CohortSelector"/>), decide on the shadow (<see cref="ShadowEligibility"/>, a slot from the
/// <see cref="ShadowDispatcher"/>), keep bounded copies (<see cref="PrimaryCapture"/>), forward (YARP does the work,
/// under <see cref="FailoverForwarder"/> when the candidate may fail over), record (<see cref="OutcomeRecorder"/>),
/// then hand the shadow to the dispatcher without waiting, after the client's response is written.
/// </summary>
internal sealed class MigrationMiddleware(
    RequestDelegate next,
    MigrationRegistry registry,
    CohortSelector cohorts,
    FailoverForwarder failovers,
    ShadowDispatcher shadows,
    OutcomeRecorder outcomes,
    EndpointSampler samples,
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
        var endpoint = migration.EndpointOf(context.Request.Method, route.Match.Path, context.Request.Path.Value ?? "/");
        var sample = samples.Wants(migration.Name, endpoint);
        var primary = cohorts.ChoosePrimary(context, migration, snapshot);
        var decision = ShadowEligibility.Decide(context, snapshot);
        ShadowTarget target = default;
        if (decision == ShadowDecision.Mirror)
        {
            decision = shadows.TryReserve(context, migration, snapshot, primary, out target);
        }

        var failover = primary == Backend.Candidate ? FailoverForwarder.For(context, migration, snapshot) : null;
        if (decision != ShadowDecision.Mirror && failover is null && !sample)
        {
            // Nothing to copy and nothing to send twice (shadow off, skipped or dropped): forward and
            // record, with no state kept across the call beyond a timestamp.
            RecordNotMirrored(migration, decision);
            return ForwardAsync(context, migration, primary, endpoint);
        }

        return ProxyAsync(context, migration, snapshot, primary, decision, target, failover, route.Match.Path, endpoint, sample);
    }

    /// <summary>
    /// The full path: copies for the shadow or for the <see cref="EndpointSampler"/> (<paramref name="sample"/>), and/or
    /// (<paramref name="failover"/> set) the candidate attempt with failover to legacy.
    /// </summary>
    private async Task ProxyAsync(
        HttpContext context,
        MigrationRuntime migration,
        MigrationSnapshot snapshot,
        Backend primary,
        ShadowDecision decision,
        ShadowTarget target,
        CandidateFailover? failover,
        string? routeTemplate,
        string endpoint,
        bool sample)
    {
        var mirror = decision == ShadowDecision.Mirror;
        var maxBytes = snapshot.Options.Shadow.MaxBodyBytes;
        var capture = new PrimaryCapture(context);
        Backend servedBy;
        TimeSpan elapsed;
        try
        {
            if (PrimaryCapture.HasBody(context))
            {
                if (failover is not null)
                {
                    // Failover needs the whole body before the first attempt, to send it again.
                    capture.KeepWholeBody(await CappedBuffer.ReadAsync(context.Request.Body, maxBytes, stopWhenFull: false, context.RequestAborted).ConfigureAwait(false));
                }
                else
                {
                    capture.TeeBody(maxBytes);
                }
            }

            if (mirror)
            {
                capture.CaptureForShadow(maxBytes);
            }
            else if (sample)
            {
                capture.CaptureResponse(maxBytes);
            }

            (servedBy, elapsed) = failover is null
                ? (primary, await ForwardAsync(context, migration, primary, endpoint).ConfigureAwait(false))
                : await failovers.ForwardAsync(context, next, migration, failover, capture.RequestCopy, endpoint).ConfigureAwait(false);
        }
        catch
        {
            capture.Release();
            if (mirror)
            {
                ShadowDispatcher.Release(migration);
            }

            throw;
        }
        finally
        {
            capture.Restore();
        }

        if (sample)
        {
            samples.Offer(migration.Name, endpoint, context, servedBy, capture.RequestCopyIsWhole ? capture.RequestCopy : null, capture.ResponseCopy);
        }

        var skip = mirror ? ShadowEligibility.AfterPrimary(context, capture.RequestCopyIsWhole) : decision;
        if (skip is null && servedBy != primary)
        {
            // The candidate failed and legacy answered: there is no pair to compare.
            skip = ShadowDecision.Disabled;
        }

        if (skip is not null)
        {
            RecordNotMirrored(migration, skip.Value);
            if (mirror)
            {
                ShadowDispatcher.Release(migration);
            }

            capture.Release();
            return;
        }

        shadows.Dispatch(context, migration, snapshot, primary, target, routeTemplate, capture.TakeRequestCopy(), capture.TakePrimaryResponse(elapsed));
    }

    /// <summary>Forwards to the primary chosen above and records what the client got.</summary>
    private async Task<TimeSpan> ForwardAsync(HttpContext context, MigrationRuntime migration, Backend primary, string endpoint)
    {
        var start = time.GetTimestamp();
        await next(context).ConfigureAwait(false);
        var elapsed = time.GetElapsedTime(start);
        outcomes.Served(migration, endpoint, primary, context, elapsed);
        return elapsed;
    }

    private void RecordNotMirrored(MigrationRuntime migration, ShadowDecision decision)
    {
        if (decision.ToOutcome() is { } outcome)
        {
            outcomes.Shadow(migration, outcome);
        }
    }
}
