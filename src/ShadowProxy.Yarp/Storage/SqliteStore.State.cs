using System.Globalization;
using Microsoft.Data.Sqlite;
using ShadowProxy.Core.Ramp;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Storage;

/// <remarks>
/// Ramp states (one row per migration), the audit log (bounded: the oldest entries go first) and noise marks;
/// a state or a noise mark and its audit entry are written in one transaction.
/// </remarks>
internal sealed partial class SqliteStore : IStateStore
{
    public async Task<IReadOnlyList<RampState>> LoadStatesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null, "SELECT " + StateColumns + " FROM ramp_state ORDER BY migration");
        return ReadAll(command, ReadState);
    }

    public async Task<RampState?> LoadStateAsync(string migration, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null, "SELECT " + StateColumns + " FROM ramp_state WHERE migration = $m", ("$m", migration));
        return ReadAll(command, ReadState).FirstOrDefault();
    }

    /// <summary>
    /// Saves <paramref name="state"/> (and its audit entry) in one transaction. A failure is thrown to the
    /// caller: the migration controller keeps a lowered weight that is in force and saves it once the
    /// store answers again.
    /// </summary>
    public Task SaveStateAsync(RampState state, AuditEntry? audit, CancellationToken cancellationToken = default) =>
        WriteAsync((connection, transaction) =>
        {
            SaveState(connection, transaction, state, audit);
            return true;
        }, cancellationToken);

    private void SaveState(SqliteConnection connection, SqliteTransaction transaction, RampState state, AuditEntry? audit)
    {
        using (var command = Command(connection, transaction,
            """
            INSERT INTO ramp_state (migration, stage_index, stage_name, weight, status, weight_overridden, stage_started_at, version, last_changed_at, status_reason)
            VALUES ($m, $si, $sn, $w, $st, $wo, $ss, $v, $lc, $r)
            ON CONFLICT (migration) DO UPDATE SET stage_index = excluded.stage_index, stage_name = excluded.stage_name, weight = excluded.weight,
                status = excluded.status, weight_overridden = excluded.weight_overridden, stage_started_at = excluded.stage_started_at,
                version = excluded.version, last_changed_at = excluded.last_changed_at, status_reason = excluded.status_reason
            """,
            ("$m", state.Migration),
            ("$si", state.StageIndex),
            ("$sn", state.StageName),
            ("$w", state.Weight.ToString(CultureInfo.InvariantCulture)),
            ("$st", state.Status.ToString()),
            ("$wo", state.WeightOverridden),
            ("$ss", state.StageStartedAt.UtcTicks),
            ("$v", state.Version),
            ("$lc", state.LastChangedAt.UtcTicks),
            ("$r", state.StatusReason)))
        {
            command.ExecuteNonQuery();
        }

        if (audit is not null)
        {
            AppendAudit(connection, transaction, audit);
        }
    }

    public async Task<IReadOnlyList<StoredAuditEntry>> ReadAuditAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, AuditQuery.MaxLimit);
        await using var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null,
            """
            SELECT id, time, migration, actor, action, from_state, to_state, reason, trigger, version FROM audit
            WHERE ($m IS NULL OR migration = $m) AND ($b IS NULL OR id < $b)
            ORDER BY id DESC LIMIT $l
            """,
            ("$m", query.Migration),
            ("$b", query.Before),
            ("$l", query.Limit));
        return ReadAll(command, reader => new StoredAuditEntry(reader.GetInt64(0), new AuditEntry
        {
            Time = Time(reader.GetInt64(1)),
            Migration = reader.GetString(2),
            Actor = reader.GetString(3),
            Action = reader.GetString(4),
            From = reader.GetString(5),
            To = reader.GetString(6),
            Reason = reader.IsDBNull(7) ? null : reader.GetString(7),
            Trigger = Enum.Parse<AuditTrigger>(reader.GetString(8)),
            Version = reader.GetInt64(9),
        }));
    }

    public async Task<IReadOnlyList<NoiseMark>> ReadNoiseMarksAsync(string migration, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null,
            "SELECT path, endpoint, actor, created_at FROM noise_marks WHERE migration = $m ORDER BY path, endpoint",
            ("$m", migration));
        return ReadAll(command, reader => new NoiseMark(
            migration,
            reader.GetString(0),
            reader.GetString(1) is { Length: > 0 } endpoint ? endpoint : null,
            reader.GetString(2),
            Time(reader.GetInt64(3))));
    }

    public Task<bool> AddNoiseMarkAsync(NoiseMark mark, string? reason = null, CancellationToken cancellationToken = default) =>
        WriteAsync((connection, transaction) =>
        {
            using (var insert = Command(connection, transaction,
                "INSERT OR IGNORE INTO noise_marks (migration, endpoint, path, actor, created_at) VALUES ($m, $e, $p, $a, $t)",
                ("$m", mark.Migration),
                ("$e", mark.Endpoint ?? string.Empty),
                ("$p", mark.Path),
                ("$a", mark.Actor),
                ("$t", mark.CreatedAt.UtcTicks)))
            {
                if (insert.ExecuteNonQuery() == 0)
                {
                    return false;
                }
            }

            AppendAudit(connection, transaction, NoiseAudit(connection, transaction, NoiseAuditActions.Mark, mark.Migration, mark.Path, mark.Endpoint, mark.Actor, mark.CreatedAt, reason));
            return true;
        }, cancellationToken);

    public Task<bool> RemoveNoiseMarkAsync(NoiseMarkRemoval removal, CancellationToken cancellationToken = default) =>
        WriteAsync((connection, transaction) =>
        {
            using (var delete = Command(connection, transaction,
                "DELETE FROM noise_marks WHERE migration = $m AND endpoint = $e AND path = $p",
                ("$m", removal.Migration),
                ("$e", removal.Endpoint ?? string.Empty),
                ("$p", removal.Path)))
            {
                if (delete.ExecuteNonQuery() == 0)
                {
                    return false;
                }
            }

            AppendAudit(connection, transaction, NoiseAudit(connection, transaction, NoiseAuditActions.Unmark, removal.Migration, removal.Path, removal.Endpoint, removal.Actor, removal.At, removal.Reason));
            return true;
        }, cancellationToken);

    private const string StateColumns = "migration, stage_index, stage_name, weight, status, weight_overridden, stage_started_at, version, last_changed_at, status_reason";

    private static RampState ReadState(SqliteDataReader reader) => new()
    {
        Migration = reader.GetString(0),
        StageIndex = reader.GetInt32(1),
        StageName = reader.GetString(2),
        Weight = decimal.Parse(reader.GetString(3), CultureInfo.InvariantCulture),
        Status = Enum.Parse<MigrationStatus>(reader.GetString(4)),
        WeightOverridden = reader.GetBoolean(5),
        StageStartedAt = Time(reader.GetInt64(6)),
        Version = reader.GetInt64(7),
        LastChangedAt = Time(reader.GetInt64(8)),
        StatusReason = reader.IsDBNull(9) ? null : reader.GetString(9),
    };

    private static AuditEntry NoiseAudit(SqliteConnection connection, SqliteTransaction transaction, string action, string migration, string path, string? endpoint, string actor, DateTimeOffset at, string? reason)
    {
        using var version = Command(connection, transaction, "SELECT version FROM ramp_state WHERE migration = $m", ("$m", migration));
        return NoiseAuditActions.Entry(action, migration, path, endpoint, actor, at, reason, version.ExecuteScalar() is long current ? current : 0);
    }

    private void AppendAudit(SqliteConnection connection, SqliteTransaction transaction, AuditEntry entry)
    {
        using (var insert = Command(connection, transaction,
            """
            INSERT INTO audit (time, migration, actor, action, from_state, to_state, reason, trigger, version)
            VALUES ($t, $m, $a, $ac, $f, $to, $r, $tr, $v)
            """,
            ("$t", entry.Time.UtcTicks),
            ("$m", entry.Migration),
            ("$a", entry.Actor),
            ("$ac", entry.Action),
            ("$f", entry.From),
            ("$to", entry.To),
            ("$r", entry.Reason),
            ("$tr", entry.Trigger.ToString()),
            ("$v", entry.Version)))
        {
            insert.ExecuteNonQuery();
        }

        // Ids grow by one per insert (AUTOINCREMENT, deletes only from the old end), so the bound is a range delete.
        using var prune = Command(connection, transaction, "DELETE FROM audit WHERE id <= last_insert_rowid() - $max", ("$max", _limits.MaxAuditEntries));
        prune.ExecuteNonQuery();
    }
}
