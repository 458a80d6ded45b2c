using ShadowProxy.Core.Endpoints;

namespace ShadowProxy.Core.Storage;

/// <summary>
/// What the endpoint inventory keeps besides shared counters (docs/architecture.md#fleet-mode): the learned endpoint
/// templates, so that every instance and every restart names endpoints the same, and the extremes that do not add up
/// (first and last seen, last difference, largest bodies). Bounded by <see cref="MaxFolds"/> and <see cref="MaxSeen"/>
/// per migration. Nothing here is on the request path.
/// </summary>
public interface IEndpointStore
{
    const int MaxFolds = EndpointLearner.MaxUnsaved;
    const int MaxSeen = EndpointInventory.MaxEndpoints * 4;

    /// <summary>Stores folds not stored yet; a fold stored first (by any instance) stays as it is.</summary>
    Task AddFoldsAsync(string migration, IReadOnlyList<LearnedFold> folds, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<LearnedFold>> ReadFoldsAsync(string migration, CancellationToken cancellationToken = default);

    /// <summary>Merges extremes: the earliest first seen, the latest last seen and last difference, the largest bodies.</summary>
    Task AddSeenAsync(string migration, IReadOnlyList<EndpointSeen> seen, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<EndpointSeen>> ReadSeenAsync(string migration, CancellationToken cancellationToken = default);
}
