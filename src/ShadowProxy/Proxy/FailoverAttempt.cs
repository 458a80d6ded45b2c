using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace ShadowProxy.Proxy;

/// <summary>
/// Per-request marker that a candidate attempt may still fail over: while armed, a 5xx answer's
/// body is suppressed (its status and headers are not yet sent) so legacy can answer instead.
/// </summary>
internal sealed class FailoverAttempt
{
    public bool Armed { get; set; } = true;

    /// <summary>False when the breaker was open and the candidate was never called.</summary>
    public bool Attempted { get; set; }

    public int? FailedStatus { get; set; }
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
        if (context.Route.Metadata?.ContainsKey(Migrations.MigrationRegistry.RouteMetadataKey) != true)
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
