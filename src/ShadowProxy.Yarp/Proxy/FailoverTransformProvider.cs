using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace ShadowProxy.Proxy;

/// <summary>
/// On routes of migrations that fail over: while a candidate attempt may still fail over
/// (<see cref="FailoverArmed"/> is set), a 5xx answer's body is suppressed (its status and headers are
/// not yet sent), so legacy can answer instead.
/// </summary>
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
            if (transform.ProxyResponse is { } response && (int)response.StatusCode >= 500
                && transform.HttpContext.Features.Get<FailoverArmed>() is not null)
            {
                transform.SuppressResponseBody = true;
            }

            return ValueTask.CompletedTask;
        });
    }
}

/// <summary>
/// The request feature present exactly while a candidate attempt runs under failover (set and removed by
/// <see cref="FailoverForwarder"/>): a marker, never changed, that carries no state of its own.
/// </summary>
internal sealed class FailoverArmed
{
    public static readonly FailoverArmed Instance = new();

    private FailoverArmed()
    {
    }
}
