namespace ShadowProxy.Shadow;

/// <summary>Whether a request is mirrored, and if not, why (<see cref="ShadowEligibility"/>).</summary>
internal enum ShadowDecision
{
    Mirror,
    Disabled,

    /// <summary>Eligible, but <c>MaxInFlight</c> shadows were in flight (already counted).</summary>
    Dropped,
    SkippedMethod,
    SkippedBody,
    SkippedSample,

    /// <summary>Eligible, but the other backend's cluster had no available destination (all unhealthy, or the cluster is gone).</summary>
    SkippedUnavailable,
    Canceled,
}
