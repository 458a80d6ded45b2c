namespace ShadowProxy.Core.Replay;

/// <summary>
/// The replay corpus (docs/admin-api.md#replay-corpus): per migration and endpoint, the newest exchanges, bounded. Kept apart from the
/// diff counters and samples (own tables, own keys): it is written and read on its own schedule.
/// </summary>
public interface IReplayStore
{
    /// <summary>Endpoints a migration's corpus holds at most; exchanges of further endpoints are not kept.</summary>
    const int MaxEndpointsPerMigration = 500;

    /// <summary>Stores each exchange and drops the oldest of its endpoint beyond its <see cref="CorpusWrite.Keep"/>; one transaction.</summary>
    Task<int> WriteExchangesAsync(IReadOnlyList<CorpusWrite> batch, CancellationToken cancellationToken = default);

    /// <summary>The corpus of <paramref name="migration"/>, newest first.</summary>
    Task<IReadOnlyList<RecordedExchange>> ReadExchangesAsync(string migration, ExchangeQuery query, CancellationToken cancellationToken = default);
}

/// <param name="Keep">The newest exchanges the endpoint keeps (<c>Replay:PerEndpoint</c> when captured).</param>
public sealed record CorpusWrite(string Migration, int Keep, RecordedExchange Exchange);

/// <param name="Endpoint">Only this endpoint (exact), or all.</param>
/// <param name="PerEndpoint">At most the newest this many of each endpoint (the bound in force now, which may be below what was kept).</param>
/// <param name="Limit">At most this many in all.</param>
public sealed record ExchangeQuery(string? Endpoint, int PerEndpoint, int Limit)
{
    public const int MaxLimit = 5000;
}
