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
    Canceled,
}
