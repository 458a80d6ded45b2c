namespace ShadowProxy.Core.Storage;

/// <summary>What <see cref="IStateStore.ReadAuditAsync"/> returns.</summary>
/// <param name="Migration">Only this migration's entries (case-sensitive), or all.</param>
/// <param name="Limit">At most this many entries (1..1000).</param>
/// <param name="Before">Paging cursor: only entries with an id below it (the last id of the previous page).</param>
public sealed record AuditQuery(string? Migration = null, int Limit = 100, long? Before = null)
{
    public const int MaxLimit = 1000;
}
