using Microsoft.AspNetCore.Http.Features;
using ShadowProxy.Capture;
using ShadowProxy.Core.Buffers;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Metrics;
using ShadowProxy.Migrations;
using ShadowProxy.Outcomes;
using ShadowProxy.Shadow;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Forwarder;

namespace ShadowProxy.Proxy;

/// <summary>
/// Forwards a candidate-chosen request under the migration's <see cref="CandidateFailover"/> (docs/configuration.md#failover): it owns
/// both calls, the candidate attempt (the rest of YARP's pipeline, with a 5xx body held back) and, when that
/// fails, the legacy call (YARP's forwarder, with the request body kept whole), and reports each outcome.
/// </summary>
internal sealed class FailoverForwarder(IProxyStateLookup proxyState, ClusterDestinations destinations, IHttpForwarder forwarder, OutcomeRecorder outcomes, TimeProvider time)
{
    /// <summary>The tag on the client's server span when legacy answered a request the candidate was chosen for.</summary>
    public const string FailoverTag = "shadowproxy.failover";

    private readonly IProxyStateLookup _proxyState = proxyState;
    private readonly ClusterDestinations _destinations = destinations;
    private readonly IHttpForwarder _forwarder = forwarder;
    private readonly OutcomeRecorder _outcomes = outcomes;
    private readonly TimeProvider _time = time;

    /// <summary>
    /// The failover a candidate-chosen request may use: only for an idempotent method (RFC 9110 §9.2.2: only
    /// these may be sent twice) whose body, if any, is small enough to keep for the second call. Else null.
    /// </summary>
    public static CandidateFailover? For(HttpContext context, MigrationRuntime migration, MigrationSnapshot snapshot) =>
        migration.Failover is { } failover && IsIdempotent(context.Request.Method)
            && (!PrimaryCapture.HasBody(context) || context.Request.ContentLength <= snapshot.Options.Shadow.MaxBodyBytes)
            ? failover
            : null;

    /// <summary>
    /// Sends the request to the candidate through <paramref name="candidate"/> (the rest of the proxy pipeline); when
    /// that fails (or the breaker is open), legacy answers. <paramref name="body"/> is the request body, kept whole.
    /// </summary>
    /// <returns>Who answered the client, and the time since the candidate attempt started.</returns>
    public async Task<(Backend ServedBy, TimeSpan Elapsed)> ForwardAsync(
        HttpContext context, RequestDelegate candidate, MigrationRuntime migration, CandidateFailover failover, CappedBuffer? body, string endpoint)
    {
        var call = new Call(this, context, candidate, migration, migration.Current.LegacyClusterId, body, endpoint, _time.GetTimestamp());
        var result = await failover.ExecuteAsync(call, context.RequestAborted).ConfigureAwait(false);
        var elapsed = _time.GetElapsedTime(call.Start);
        if (result != AttemptResult.Succeeded)
        {
            return (Backend.Legacy, elapsed);
        }

        _outcomes.Served(migration, endpoint, Backend.Candidate, context, elapsed);
        return (Backend.Candidate, elapsed);
    }

    private static bool IsIdempotent(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)
        || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method) || HttpMethods.IsTrace(method);

    /// <summary>One request under failover, the only object failover allocates per request.</summary>
    private sealed class Call(
        FailoverForwarder owner, HttpContext context, RequestDelegate candidate, MigrationRuntime migration, string legacyClusterId, CappedBuffer? body, string endpoint, long start)
        : IFailoverCall
    {
        public long Start => start;

        public async ValueTask<AttemptResult> AttemptAsync()
        {
            context.Features.Set(FailoverArmed.Instance);
            try
            {
                await candidate(context).ConfigureAwait(false);
            }
            finally
            {
                context.Features.Set<FailoverArmed>(null);
            }

            // A transport error (not the client's doing), or a 5xx whose body the failover transform held back.
            var error = context.Features.Get<IForwarderErrorFeature>();
            var failed = error is null ? context.Response.StatusCode >= 500 : !OutcomeRecorder.IsClientError(error.Error);
            return failed ? AttemptResult.Failed : AttemptResult.Succeeded;
        }

        public async ValueTask FallBackAsync(bool attempted)
        {
            var outcomes = owner._outcomes;
            if (attempted)
            {
                var status = context.Features.Get<IForwarderErrorFeature>() is null ? StatusClass.Server5xx : StatusClass.Error;
                outcomes.CandidateAttemptFailed(migration, status, owner._time.GetElapsedTime(start));
            }
            else
            {
                outcomes.CandidateAttemptFailed(migration, status: null, TimeSpan.Zero);
            }

            if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested
                || !owner._proxyState.TryGetCluster(legacyClusterId, out var legacy)
                || owner._destinations.Pick(context, legacy) is not { } destination)
            {
                // Status and headers are on the wire (YARP aborts the client's response), the client left, or legacy's
                // cluster has no available destination: legacy answers nothing, so this is no failover.
                return;
            }

            outcomes.FailedOver(migration);
            context.Response.Clear();
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Features.Get<IHttpActivityFeature>()?.Activity.SetTag(FailoverTag, true);
            if (body is not null)
            {
                context.Request.Body = BufferedBody.Open(body);
            }

            var legacyStart = owner._time.GetTimestamp();
            var model = legacy.Model;
            await owner._forwarder.SendAsync(context, destination.Model.Config.Address, model.HttpClient, model.Config.HttpRequest ?? ForwarderRequestConfig.Empty,
                context.GetReverseProxyFeature().Route.Transformer).ConfigureAwait(false);
            outcomes.Served(migration, endpoint, Backend.Legacy, context, owner._time.GetElapsedTime(legacyStart));
        }
    }
}
