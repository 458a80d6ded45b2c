using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Diff;
using ShadowProxy.Migrations;

namespace ShadowProxy.Outcomes;

/// <summary>
/// Receives what <see cref="OutcomeRecorder"/> records about shadowed requests, on the thread that recorded it
/// (a comparison worker for a compared pair, a shadow completion for a failure), before the buffers are released.
/// </summary>
internal interface IOutcomeSink
{
    /// <param name="migration">The exchange's migration, with the rules the pair was compared by.</param>
    /// <param name="endpoint">The endpoint, as <see cref="MigrationRuntime.EndpointOf"/> names it, e.g. <c>GET /api/orders/{id}</c>.</param>
    void OnCompared(MigrationRuntime migration, ShadowExchange exchange, string endpoint, ComparisonResult result);

    /// <summary>A shadow call to <paramref name="backend"/> that ended without a response to compare.</summary>
    void OnShadowFailed(MigrationRuntime migration, string endpoint, Backend backend, CapturedResponse failure)
    {
    }
}
