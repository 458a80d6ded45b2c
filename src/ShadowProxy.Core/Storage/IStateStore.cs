using ShadowProxy.Core.Ramp;

namespace ShadowProxy.Core.Storage;

/// <summary>
/// Durable migration state: ramp state, audit log and noise marks: they survive a restart (docs/admin-api.md#migrations-and-the-ramp)
/// and are shared in fleet mode (docs/architecture.md#fleet-mode). Plain data in and out, so that a Redis implementation can stand beside SQLite.
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
