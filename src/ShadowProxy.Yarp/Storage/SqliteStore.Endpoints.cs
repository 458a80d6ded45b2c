using ShadowProxy.Core.Endpoints;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Storage;

/// <summary>Learned endpoint templates and the inventory's extremes (docs/admin-api.md#endpoint-inventory), bounded per migration.</summary>
internal sealed partial class SqliteStore : IEndpointStore
{
    public Task AddFoldsAsync(string migration, IReadOnlyList<LearnedFold> folds, CancellationToken cancellationToken = default) =>
        WriteAsync((connection, transaction) =>
        {
            using var insert = Command(connection, transaction,
                "INSERT OR IGNORE INTO endpoint_folds (migration, fold, kept) SELECT $m, $f, $k WHERE (SELECT COUNT(*) FROM endpoint_folds WHERE migration = $m) < $max",
                ("$m", migration), ("$f", string.Empty), ("$k", string.Empty), ("$max", IEndpointStore.MaxFolds));
            insert.Prepare();
            foreach (var fold in folds)
            {
                insert.Parameters["$f"].Value = fold.Key;
                insert.Parameters["$k"].Value = string.Join(' ', fold.Kept);
                insert.ExecuteNonQuery();
            }

            return true;
        }, cancellationToken);

    public async Task<IReadOnlyList<LearnedFold>> ReadFoldsAsync(string migration, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null, "SELECT fold, kept FROM endpoint_folds WHERE migration = $m", ("$m", migration));
        return [.. ReadAll(command, r => LearnedFold.TryParse(r.GetString(0), r.GetString(1), out var fold) ? fold : null).OfType<LearnedFold>()];
    }

    public Task AddSeenAsync(string migration, IReadOnlyList<EndpointSeen> seen, CancellationToken cancellationToken = default) =>
        WriteAsync((connection, transaction) =>
        {
            using var upsert = Command(connection, transaction,
                """
                INSERT INTO endpoint_seen (migration, endpoint, first_seen, last_seen, last_diff, max_response, max_request)
                SELECT $m, $e, $f, $l, $d, $rs, $rq
                WHERE EXISTS (SELECT 1 FROM endpoint_seen WHERE migration = $m AND endpoint = $e)
                   OR (SELECT COUNT(*) FROM endpoint_seen WHERE migration = $m) < $max
                ON CONFLICT (migration, endpoint) DO UPDATE SET
                    first_seen = CASE WHEN first_seen = 0 THEN excluded.first_seen WHEN excluded.first_seen = 0 THEN first_seen ELSE min(first_seen, excluded.first_seen) END,
                    last_seen = max(last_seen, excluded.last_seen),
                    last_diff = max(last_diff, excluded.last_diff),
                    max_response = max(max_response, excluded.max_response),
                    max_request = max(max_request, excluded.max_request)
                """,
                ("$m", migration), ("$e", string.Empty), ("$f", 0L), ("$l", 0L), ("$d", 0L), ("$rs", 0L), ("$rq", 0L), ("$max", IEndpointStore.MaxSeen));
            upsert.Prepare();
            foreach (var row in seen)
            {
                upsert.Parameters["$e"].Value = row.Endpoint;
                upsert.Parameters["$f"].Value = row.FirstSeen;
                upsert.Parameters["$l"].Value = row.LastSeen;
                upsert.Parameters["$d"].Value = row.LastDiff;
                upsert.Parameters["$rs"].Value = row.MaxResponseBytes;
                upsert.Parameters["$rq"].Value = row.MaxRequestBytes;
                upsert.ExecuteNonQuery();
            }

            return true;
        }, cancellationToken);

    public async Task<IReadOnlyList<EndpointSeen>> ReadSeenAsync(string migration, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = Command(connection, null,
            "SELECT endpoint, first_seen, last_seen, last_diff, max_response, max_request FROM endpoint_seen WHERE migration = $m", ("$m", migration));
        return ReadAll(command, r => new EndpointSeen(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5)));
    }
}
