using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Storage;
using static ShadowProxy.Core.Tests.Storage.StorageRecords;

namespace ShadowProxy.Core.Tests.Storage;

public sealed class DiffBatchTests
{
    private const string Orders = "GET /api/orders/{id}";
    private const string Users = "GET /api/users/{id}";

    [Fact]
    public void A_batch_folds_into_one_delta_per_endpoint_and_per_counter_in_order_of_first_occurrence()
    {
        ComparisonRecord[] records =
        [
            Record(Users, Start, sample: false),
            Record(Orders, Start.AddSeconds(2), sample: false, Value("$.price")),
            Record(Orders, Start.AddSeconds(1), sample: false, Value("$.price", noise: true), Value("$.id", noise: true)),
            Record(Orders, Start.AddSeconds(3), sample: false),
        ];

        var batch = Assert.Single(DiffBatch.ByMigration(records));

        Assert.Equal("orders", batch.Migration);
        Assert.Equal([Users, Orders], batch.Endpoints.Keys);
        Assert.Equal(new OutcomeCounts(Match: 1, Diff: 0, Noise: 0), batch.Endpoints[Users]);
        Assert.Equal(new OutcomeCounts(Match: 1, Diff: 1, Noise: 1), batch.Endpoints[Orders]);
        Assert.Equal([new DiffCounterKey(Orders, "$.price", "ValueChanged"), new DiffCounterKey(Orders, "$.id", "ValueChanged")], batch.Counters.Keys);
        var price = batch.Counters[new DiffCounterKey(Orders, "$.price", "ValueChanged")];
        Assert.Equal((2, 1), (price.Count, price.Noise));
        Assert.Equal((Start.AddSeconds(1).UtcTicks, Start.AddSeconds(2).UtcTicks), (price.First, price.Last));

        // The noise flag follows the latest occurrence, not the last one in the batch.
        Assert.False(price.LastIsNoise);
        Assert.True(batch.Counters[new DiffCounterKey(Orders, "$.id", "ValueChanged")].LastIsNoise);
    }

    [Fact]
    public void Versions_count_per_version_and_hour_and_renames_keep_the_latest_candidate_path()
    {
        var renamed = new StoredDifference("$.total", "Renamed", null, null, IsNoise: false) { CandidatePath = "$.sum" };
        var renamedAgain = renamed with { CandidatePath = "$.amount" };
        ComparisonRecord[] records =
        [
            Record(Orders, Start, sample: false, renamed) with { Version = "v1" },
            Record(Orders, Start.AddHours(1), sample: false, renamedAgain) with { Version = "v1" },
            Record(Orders, Start.AddMinutes(5), sample: false) with { Version = "v2" },
        ];

        var batch = Assert.Single(DiffBatch.ByMigration(records));

        var v1 = batch.Versions["v1"];
        Assert.Equal((Start.UtcTicks, Start.AddHours(1).UtcTicks, 2L, 2L), (v1.First, v1.Last, v1.Comparisons, v1.Diffs));
        Assert.Equal((1L, 0L), (batch.Versions["v2"].Comparisons, batch.Versions["v2"].Diffs));
        var hour = DiffBatch.HourOf(Start.UtcTicks);
        Assert.Equal(1, batch.VersionEndpoints[new VersionEndpointKey("v1", hour, Orders)]);
        Assert.Equal(1, batch.VersionEndpoints[new VersionEndpointKey("v1", hour + 1, Orders)]);
        Assert.Equal(1, batch.VersionEndpoints[new VersionEndpointKey("v2", hour, Orders)]);
        Assert.Equal(1, batch.VersionPaths[new VersionPathKey("v1", hour, Orders, "$.total", "Renamed")]);
        Assert.Equal("$.amount", Assert.Single(batch.Renames).Value);
    }

    [Fact]
    public void Sample_candidates_are_the_records_with_a_sample_and_a_real_difference_each_path_once()
    {
        ComparisonRecord[] records =
        [
            Record(Orders, Start, sample: true),
            Record(Orders, Start, sample: true, Value("$.id", noise: true)),
            Record(Orders, Start, sample: false, Value("$.price")),
            Record(Orders, Start, sample: true, Value("$.price"), Value("$.id", noise: true), Value("$.price")),
        ];

        var batch = Assert.Single(DiffBatch.ByMigration(records));

        var candidate = Assert.Single(batch.Samples);
        Assert.Same(records[3], candidate.Record);
        Assert.Equal([("$.price", "ValueChanged")], candidate.Paths);
    }

    [Fact]
    public void A_batch_of_several_migrations_splits_by_migration()
    {
        ComparisonRecord[] records = [Record(Orders, Start, sample: false), Record(Orders, Start, sample: false) with { Migration = "users" }, Record(Orders, Start, sample: false)];

        var batches = DiffBatch.ByMigration(records).ToList();

        Assert.Equal(["orders", "users"], batches.Select(b => b.Migration));
        Assert.Equal(2, batches[0].Endpoints[Orders].Match);
        Assert.Equal(ComparisonTally.Match, records[1].Outcome);
    }
}
