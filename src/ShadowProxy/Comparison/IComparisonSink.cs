using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Diff;

namespace ShadowProxy.Comparison;

/// <summary>Receives each compared pair, on a comparison worker thread, before its buffers are released.</summary>
internal interface IComparisonSink
{
    /// <param name="endpoint">Method and folded path template, e.g. <c>GET /api/orders/{id}</c>.</param>
    void OnCompared(ShadowExchange exchange, string endpoint, ComparisonResult result);
}
