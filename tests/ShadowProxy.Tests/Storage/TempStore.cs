using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using ShadowProxy.Configuration;
using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Storage;
using ShadowProxy.Storage;

namespace ShadowProxy.Tests.Storage;

/// <summary>A temporary directory holding SQLite store files, deleted with every store opened on it.</summary>
internal sealed class TempStore : IAsyncDisposable
{
    private readonly List<SqliteStore> _opened = [];

    public TempStore()
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "shadowproxy-store-" + Guid.NewGuid().ToString("N"));
        Path = System.IO.Path.Combine(Directory, "nested", "shadowproxy.db");
    }

    public string Directory { get; }

    public string Path { get; }

    public StoreOptions Options(int samplesPerPath = 5, int maxSamples = 5000, int maxPaths = 20000, int maxAudit = 100_000) => new()
    {
        Sqlite = new SqliteStoreOptions { Path = Path },
        SamplesPerPath = samplesPerPath,
        MaxSamplesPerMigration = maxSamples,
        MaxPathsPerMigration = maxPaths,
        MaxAuditEntries = maxAudit,
    };

    public SqliteStore Open(StoreOptions? options = null)
    {
        var store = new SqliteStore(options ?? Options(), NullLogger<SqliteStore>.Instance, TimeProvider.System);
        _opened.Add(store);
        return store;
    }

    /// <summary>Runs a test-only query on the file, beside the store.</summary>
    public long Scalar(string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _opened)
        {
            await store.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the temp directory is unique and harmless if left behind.
        }
    }
}

/// <summary>Builders of comparison records for store tests.</summary>
internal static class Records
{
    public static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static ComparisonRecord Diff(string migration, string endpoint, DateTimeOffset time, StoredSample? sample, params StoredDifference[] differences) => new()
    {
        Migration = migration,
        Endpoint = endpoint,
        Timestamp = time,
        Outcome = differences.Length == 0 ? ComparisonTally.Match : differences.All(d => d.IsNoise) ? ComparisonTally.Noise : ComparisonTally.Diff,
        Differences = differences,
        Sample = sample,
    };

    public static StoredDifference Value(string path, bool noise = false) => new(path, "ValueChanged", "1", "2", noise);

    public static StoredSample Sample(string path, string legacyBody = """{"price":1}""", string candidateBody = """{"price":2}""") => new()
    {
        Request = new StoredRequest
        {
            Method = "GET",
            Path = path,
            Query = "?expand=items",
            Headers = [new("Accept", "application/json"), new("Authorization", "[redacted]")],
        },
        Legacy = new StoredResponse
        {
            Status = 200,
            Headers = [new("Content-Type", "application/json")],
            Body = StoredBody.Create(System.Text.Encoding.UTF8.GetBytes(legacyBody)),
            DurationMs = 12.5,
        },
        Candidate = new StoredResponse
        {
            Status = 200,
            Headers = [new("Content-Type", "application/json")],
            Body = StoredBody.Create(System.Text.Encoding.UTF8.GetBytes(candidateBody)),
            DurationMs = 9.25,
        },
    };
}
