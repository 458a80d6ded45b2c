using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace ShadowProxy.Proxy;

/// <summary>
/// One request under failover, the only object failover allocates per request. It is also the
/// request feature that marks a candidate attempt as still able to fail over: while armed, a 5xx
/// answer's body is suppressed (its status and headers are not yet sent) so legacy can answer instead.
/// </summary>
internal sealed class FailoverAttempt(MigrationMiddleware middleware, HttpContext context, Migrations.MigrationRuntime migration, Core.Buffers.CappedBuffer? body, long start)
    : IFailoverCall
{
    public HttpContext Context => context;

    public Migrations.MigrationRuntime Migration => migration;

    /// <summary>The buffered request body, sent again to legacy; null when the request has none.</summary>
    public Core.Buffers.CappedBuffer? Body => body;

    /// <summary>When the candidate attempt started (a <see cref="TimeProvider"/> timestamp).</summary>
    public long Start => start;

    public bool Armed { get; set; } = true;

    /// <summary>False when the breaker was open and the candidate was never called.</summary>
    public bool Attempted { get; set; }

    public int? FailedStatus { get; set; }

    public ValueTask<AttemptResult> AttemptAsync() => middleware.AttemptCandidateAsync(this);

    public ValueTask FallBackAsync() => middleware.ForwardToLegacyAsync(this);
}

/// <summary>Adds the 5xx-suppressing response transform to migration routes.</summary>
internal sealed class FailoverTransformProvider : ITransformProvider
{
    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        // Only routes of migrations that fail over: every other request skips the transform altogether.
        if (context.Route.Metadata?.ContainsKey(MigrationProxyConfig.FailoverMetadataKey) != true)
        {
            return;
        }

        context.AddResponseTransform(static transform =>
        {
            var attempt = transform.HttpContext.Features.Get<FailoverAttempt>();
            if (attempt is { Armed: true } && transform.ProxyResponse is { } response && (int)response.StatusCode >= 500)
            {
                attempt.FailedStatus = (int)response.StatusCode;
                transform.SuppressResponseBody = true;
            }

            return ValueTask.CompletedTask;
        });
    }
}
