using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http.Features;
using ShadowProxy.Comparison;
using ShadowProxy.Core.Buffers;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Metrics;
using ShadowProxy.Migrations;
using ShadowProxy.Proxy;

namespace ShadowProxy.Shadow;

/// <summary>
/// Sends the shadow copy of a request to the other backend, off the client's path: the request
/// message is built while the <see cref="HttpContext"/> is still valid, then the call runs on the
/// thread pool without the request's execution context (so it neither inherits the client's
/// Activity nor its cancellation). At most <c>MaxInFlight</c> per migration; overflow is dropped
/// and counted, never queued.
/// </summary>
internal sealed partial class ShadowDispatcher(
    ShadowHttpClients clients,
    ComparisonQueue comparisons,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<ShadowDispatcher> logger)
{
    // Shadows in flight at shutdown end within their Timeout, or when the host disposes the shadow clients.
    private readonly TimeoutSourcePool _timeouts = new(time);
    public static readonly ActivitySource ActivitySource = new("ShadowProxy.Shadow");

    /// <summary>
    /// Takes a shadow slot before the primary is called, so that a request whose shadow would be
    /// dropped pays for no copies. False (and counted as dropped) when the shadow limit in force is
    /// taken (<see cref="ShadowBudget"/>: adaptive, SPEC §14, or <c>MaxInFlight</c>), or while the shadow
    /// backend is closing its connections (<see cref="ConnectionOpenLimiter"/>, sized by the ceiling).
    /// </summary>
    public bool TryReserve(MigrationRuntime migration, MigrationSnapshot snapshot, Backend primary)
    {
        var target = primary == Backend.Legacy ? snapshot.Options.Candidate.Address : snapshot.Options.Legacy.Address;
        if (!clients.LimiterFor(target).IsExhausted(snapshot.Options.Shadow.MaxInFlight))
        {
            if (migration.TryEnterShadow(migration.ShadowBudget.Limit))
            {
                return true;
            }

            migration.ShadowBudget.CountRefused();
        }

        migration.Metrics.Shadow(ShadowOutcome.Dropped);
        return false;
    }

    /// <summary>Gives back a slot taken by <see cref="TryReserve"/> when the shadow is not sent after all.</summary>
    public static void Release(MigrationRuntime migration) => migration.ExitShadow();

    /// <summary>Sends the shadow on the slot reserved by <see cref="TryReserve"/>; the slot is released when the call ends.</summary>
    public void Dispatch(
        HttpContext context,
        MigrationRuntime migration,
        MigrationSnapshot snapshot,
        Backend primary,
        string? routeTemplate,
        CappedBuffer? requestBody,
        CapturedResponse primaryResponse)
    {
        ShadowCall call;
        try
        {
            var prefix = primary == Backend.Legacy ? snapshot.CandidatePrefix : snapshot.LegacyPrefix;
            // The primary's upstream request, captured by the route's last transform (SPEC §15: the same request, plus the marker).
            var upstream = context.Features.Get<UpstreamRequestCapture>()?.Request
                ?? throw new InvalidOperationException("The primary's upstream request was not captured.");
            var message = upstream.CreateCopy(prefix, requestBody);
            call = new ShadowCall(this, migration, snapshot, primary, message, requestBody, primaryResponse)
            {
                // The probe copy is the same upstream request, built by the same code, sent to legacy (or the probe's Address).
                ProbeMessage = WantsProbe(snapshot, context.Request.Method) ? upstream.CreateCopy(snapshot.ProbePrefix, requestBody) : null,
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
            migration.Metrics.Shadow(ShadowOutcome.Error);
            requestBody?.Dispose();
            primaryResponse.Dispose();
            LogBuildFailed(logger, migration.Name, ex);
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(call, preferLocal: false);
    }

    /// <summary>
    /// The noise probe (SPEC §9) samples <c>Diff:NoiseProbe:SamplePercent</c> of the shadowed requests whose method is
    /// safe: sending them twice to legacy must not change anything there.
    /// </summary>
    private static bool WantsProbe(MigrationSnapshot snapshot, string method)
    {
        var probe = snapshot.Options.Diff.NoiseProbe;
        return probe.Enabled && probe.SamplePercent > 0
            && (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method))
            && (probe.SamplePercent >= 100 || Random.Shared.NextDouble() * 100 < probe.SamplePercent);
    }

    private async Task RunAsync(ShadowCall call)
    {
        var migration = call.Migration;
        var timeout = call.Snapshot.Options.Shadow.Timeout;
        var shadowBackend = call.Primary == Backend.Legacy ? Backend.Candidate : Backend.Legacy;
        using var activity = StartActivity(call, shadowBackend);
        CapturedResponse? shadowResponse = null;
        var start = time.GetTimestamp();
        var timeoutSource = _timeouts.Rent(timeout);
        try
        {
            var invoker = clients.Get(call.Snapshot.Options.Shadow.MaxInFlight);
            using var response = await invoker.SendAsync(call.Message, timeoutSource.Token).ConfigureAwait(false);
            var stream = await response.Content.ReadAsStreamAsync(timeoutSource.Token).ConfigureAwait(false);
            // A body longer than MaxBodyBytes is cut (and so marked truncated) without reading on.
            var body = await CappedBuffer.ReadAsync(stream, call.Snapshot.Options.Shadow.MaxBodyBytes, stopWhenFull: true, timeoutSource.Token).ConfigureAwait(false);
            shadowResponse = new CapturedResponse((int)response.StatusCode, HeaderList.Copy(response.Headers, response.Content.Headers), body, time.GetElapsedTime(start));
            migration.Metrics.Shadow(ShadowOutcome.Completed);
            migration.RecordCall(shadowBackend, shadowResponse.IsError, shadowResponse.Duration);
            activity?.SetTag("http.response.status_code", shadowResponse.StatusCode);
        }
        catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested)
        {
            migration.Metrics.Shadow(ShadowOutcome.Timeout);
            migration.RecordCall(shadowBackend, isError: true, time.GetElapsedTime(start));
            activity?.SetStatus(ActivityStatusCode.Error, "timeout");
            comparisons.RecordShadowFailure(call, shadowBackend, CapturedResponse.Failed(BackendFailure.Timeout, time.GetElapsedTime(start)));
        }
        catch (Exception ex)
        {
            migration.Metrics.Shadow(ShadowOutcome.Error);
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            LogShadowFailed(logger, migration.Name, ex.Message);
            var failure = lifetime.ApplicationStopping.IsCancellationRequested ? BackendFailure.Canceled : BackendFailure.ConnectionError;
            if (failure != BackendFailure.Canceled)
            {
                migration.RecordCall(shadowBackend, isError: true, time.GetElapsedTime(start));
            }

            comparisons.RecordShadowFailure(call, shadowBackend, CapturedResponse.Failed(failure, time.GetElapsedTime(start), ex.Message));
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
            call.ProbeMessage?.Dispose();
            call.ReleaseBuffers();
            return;
        }

        // The probe runs after the shadow, on the same in-flight slot: it takes no admission of its own.
        var probeResponse = call.ProbeMessage is null ? null : await ProbeAsync(call).ConfigureAwait(false);
        comparisons.Enqueue(call, shadowResponse, probeResponse);
    }

    /// <summary>
    /// Sends the noise probe's copy to legacy and reads its answer; null when it fails (a probe pair is
    /// knowledge, not a comparison: a failure only means one pair fewer). Releases the shadow slot.
    /// </summary>
    private async Task<CapturedResponse?> ProbeAsync(ShadowCall call)
    {
        var migration = call.Migration;
        var start = time.GetTimestamp();
        var timeoutSource = _timeouts.Rent(call.Snapshot.Options.Shadow.Timeout);
        try
        {
            migration.Metrics.Shadow(ShadowOutcome.Probe);
            var invoker = clients.Get(call.Snapshot.Options.Shadow.MaxInFlight);
            using var response = await invoker.SendAsync(call.ProbeMessage!, timeoutSource.Token).ConfigureAwait(false);
            var stream = await response.Content.ReadAsStreamAsync(timeoutSource.Token).ConfigureAwait(false);
            var body = await CappedBuffer.ReadAsync(stream, call.Snapshot.Options.Shadow.MaxBodyBytes, stopWhenFull: true, timeoutSource.Token).ConfigureAwait(false);
            return new CapturedResponse((int)response.StatusCode, HeaderList.Copy(response.Headers, response.Content.Headers), body, time.GetElapsedTime(start));
        }
        catch (Exception ex)
        {
            LogProbeFailed(logger, migration.Name, ex.Message);
            return null;
        }
        finally
        {
            migration.ExitShadow();
            call.ProbeMessage!.Dispose();
            _timeouts.Return(timeoutSource);
        }
    }

    private static Activity? StartActivity(ShadowCall call, Backend shadowBackend)
    {
        // Its own trace root, linked to the client's span: shadow time never inflates the client's trace.
        ActivityLink[]? links = call.ClientActivity == default ? null : [new ActivityLink(call.ClientActivity)];
        // Internal: the HttpClient span under it is the client span of the call (and carries the traceparent).
        var activity = ActivitySource.StartActivity("shadow " + call.Message.Method.Method, ActivityKind.Internal, parentContext: default, links: links);
        activity?.SetTag("shadowproxy.migration", call.Migration.Name);
        activity?.SetTag("shadowproxy.backend", shadowBackend == Backend.Legacy ? "legacy" : "candidate");
        return activity;
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "Shadow request for {Migration} failed: {Reason}")]
    private static partial void LogShadowFailed(ILogger logger, string migration, string reason);

    [LoggerMessage(EventId = 12, Level = LogLevel.Debug, Message = "Noise probe for {Migration} failed: {Reason}")]
    private static partial void LogProbeFailed(ILogger logger, string migration, string reason);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Shadow request for {Migration} could not be built")]
    private static partial void LogBuildFailed(ILogger logger, string migration, Exception exception);

    /// <summary>One shadow request in flight: what it needs after the client's request is gone.</summary>
    internal sealed class ShadowCall(
        ShadowDispatcher dispatcher,
        MigrationRuntime migration,
        MigrationSnapshot snapshot,
        Backend primary,
        HttpRequestMessage message,
        CappedBuffer? requestBody,
        CapturedResponse primaryResponse) : IThreadPoolWorkItem
    {
        public MigrationRuntime Migration => migration;

        public MigrationSnapshot Snapshot => snapshot;

        public Backend Primary => primary;

        public HttpRequestMessage Message => message;

        public CappedBuffer? RequestBody => requestBody;

        public CapturedResponse PrimaryResponse => primaryResponse;

        public string? RouteTemplate { get; init; }

        public required string Path { get; init; }

        public required string Query { get; init; }

        public ActivityContext ClientActivity { get; init; }

        /// <summary>The noise probe's copy for legacy, when this request was sampled for one.</summary>
        public HttpRequestMessage? ProbeMessage { get; init; }

        public void Execute() => _ = dispatcher.RunAsync(this);

        public void ReleaseBuffers()
        {
            requestBody?.Dispose();
            primaryResponse.Dispose();
        }
    }
}
