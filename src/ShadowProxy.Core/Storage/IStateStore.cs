using ShadowProxy.Core.Ramp;

namespace ShadowProxy.Core.Storage;

/// <summary>
/// Durable migration state: ramp state, audit log and noise marks (SPEC §5 "state survives a restart",
/// §8 fleet mode). Plain data in and out, so that a Redis implementation can stand beside SQLite.
/// </summary>
public interface IStateStore
{
    /// <summary>The persisted state of every migration the store knows (configured or not).</summary>
    Task<IReadOnlyList<RampState>> LoadStatesAsync(CancellationToken cancellationToken = default);

    Task<RampState?> LoadStateAsync(string migration, CancellationToken cancellationToken = default);

    /// <summary>Saves <paramref name="state"/> and, in the same transaction, appends <paramref name="audit"/> when given.</summary>
    Task SaveStateAsync(RampState state, AuditEntry? audit, CancellationToken cancellationToken = default);

    /// <summary>Audit entries newest first.</summary>
    Task<IReadOnlyList<StoredAuditEntry>> ReadAuditAsync(AuditQuery query, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<NoiseMark>> ReadNoiseMarksAsync(string migration, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks a path as noise and audits it in one transaction. Idempotent: false (and no audit entry)
    /// when the same migration × endpoint × path is already marked.
    /// </summary>
    Task<bool> AddNoiseMarkAsync(NoiseMark mark, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes a noise mark and audits it in one transaction. Idempotent: false (and no audit entry)
    /// when there was no such mark.
    /// </summary>
    Task<bool> RemoveNoiseMarkAsync(NoiseMarkRemoval removal, CancellationToken cancellationToken = default);
}

/// <summary>What <see cref="IStateStore.ReadAuditAsync"/> returns.</summary>
/// <param name="Migration">Only this migration's entries (case-sensitive), or all.</param>
/// <param name="Limit">At most this many entries (1..1000).</param>
/// <param name="Before">Paging cursor: only entries with an id below it (the last id of the previous page).</param>
public sealed record AuditQuery(string? Migration = null, int Limit = 100, long? Before = null)
{
    public const int MaxLimit = 1000;
}

/// <summary>An audit entry with the store's id, which orders entries and serves as paging cursor.</summary>
public sealed record StoredAuditEntry(long Id, AuditEntry Entry);

/// <summary>A path marked as noise by a user; <see cref="Endpoint"/> null means on every endpoint.</summary>
public sealed record NoiseMark(string Migration, string Path, string? Endpoint, string Actor, DateTimeOffset CreatedAt);

/// <summary>Who removes which noise mark, when, and why.</summary>
public sealed record NoiseMarkRemoval(string Migration, string Path, string? Endpoint, string Actor, DateTimeOffset At, string? Reason = null);

/// <summary>The <see cref="AuditEntry.Action"/> values of noise marks.</summary>
public static class NoiseAuditActions
{
    public const string Mark = "noise-mark";
    public const string Unmark = "noise-unmark";

    /// <summary>How a mark reads in an audit entry's From/To, e.g. "$.meta.id on GET /api/orders/{id}".</summary>
    public static string Describe(string path, string? endpoint) => endpoint is null ? path + " on every endpoint" : path + " on " + endpoint;
}

/// <summary>Told when a migration's noise marks changed, so the diff engine applies them at once.</summary>
public interface INoiseMarksChanged
{
    /// <summary>Called with the migration's complete, current set of marks. Must not block.</summary>
    void OnNoiseMarksChanged(string migration, IReadOnlyList<NoiseMark> marks);
}
