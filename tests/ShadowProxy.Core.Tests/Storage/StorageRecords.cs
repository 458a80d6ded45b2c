using System.Text;
using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Core.Tests.Storage;

/// <summary>Builders of comparison records for the storage policy's tests.</summary>
internal static class StorageRecords
{
    public static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static readonly StorageLimits Limits = new(SamplesPerPath: 2, MaxSamplesPerMigration: 100, MaxPathsPerMigration: 10, MaxAuditEntries: 100);

    public static ComparisonRecord Record(string endpoint, DateTimeOffset time, bool sample, params StoredDifference[] differences) => new()
    {
        Migration = "orders",
        Endpoint = endpoint,
        Timestamp = time,
        Outcome = differences.Length == 0 ? ComparisonTally.Match : differences.All(d => d.IsNoise) ? ComparisonTally.Noise : ComparisonTally.Diff,
        Differences = differences,
        Sample = sample ? Sample("{\"price\":1}") : null,
    };

    public static StoredDifference Value(string path, bool noise = false) => new(path, "ValueChanged", "1", "2", noise);

    public static StoredSample Sample(string candidateBody) => new()
    {
        Request = new StoredRequest { Method = "GET", Path = "/api/orders/1", Query = "?expand=items" },
        Legacy = new StoredResponse { Status = 200, Body = StoredBody.Create(Encoding.UTF8.GetBytes("{\"price\":2}")) },
        Candidate = new StoredResponse { Status = 200, Body = StoredBody.Create(Encoding.UTF8.GetBytes(candidateBody)) },
    };
}
