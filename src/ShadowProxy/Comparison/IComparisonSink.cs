using ShadowProxy.Core.Comparison;

namespace ShadowProxy.Comparison;

/// <summary>Receives each compared pair, on a comparison worker thread, before its buffers are released.</summary>
internal interface IComparisonSink
{
    void OnCompared(ShadowExchange exchange, ComparisonVerdict verdict);
}

/// <summary>The outcome of one comparison as the rest of the host sees it.</summary>
internal readonly record struct ComparisonVerdict(ComparisonResultKind Kind, string Endpoint);

internal enum ComparisonResultKind
{
    Match,
    Diff,
    Noise,
}
