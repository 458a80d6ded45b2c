using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Diff;
using ShadowProxy.Migrations;

namespace ShadowProxy.Comparison;

/// <summary>Receives each compared pair, on a comparison worker thread, before its buffers are released.</summary>
internal interface IComparisonSink
{
    /// <param name="migration">The exchange's migration, with the rules the pair was compared by.</param>
    /// <param name="endpoint">Method and folded path template, e.g. <c>GET /api/orders/{id}</c>.</param>
    void OnCompared(MigrationRuntime migration, ShadowExchange exchange, string endpoint, ComparisonResult result);
}
