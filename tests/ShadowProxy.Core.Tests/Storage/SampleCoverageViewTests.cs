using ShadowProxy.Core.Storage;
using static ShadowProxy.Core.Tests.Storage.StorageRecords;

namespace ShadowProxy.Core.Tests.Storage;

public sealed class SampleCoverageViewTests
{
    private const string Orders = "GET /api/orders/{id}";

    [Fact]
    public void A_path_wants_samples_until_it_has_its_share_counting_only_records_with_a_sample_and_real_differences()
    {
        var view = new SampleCoverageView(Limits, migrations: 1);

        view.Count(Record(Orders, Start, sample: false, Value("$.price")));
        view.Count(Record(Orders, Start, sample: true, Value("$.price", noise: true)));
        view.Count(Record(Orders, Start, sample: true, Value("$.price")));
        Assert.True(view.WantsSample("orders", Orders, "$.price"));

        view.Count(Record(Orders, Start, sample: true, Value("$.price")));
        Assert.False(view.WantsSample("orders", Orders, "$.price"));
        Assert.True(view.WantsSample("orders", Orders, "$.id"));
    }

    [Fact]
    public void Reset_starts_from_what_the_store_holds()
    {
        var view = new SampleCoverageView(Limits, migrations: 1);
        view.Count(Record(Orders, Start, sample: true, Value("$.price")));
        view.Count(Record(Orders, Start, sample: true, Value("$.price")));

        view.Reset([new SampleCoverage("orders", Orders, "$.price", 1), new SampleCoverage("orders", Orders, "$.id", 2)]);

        Assert.True(view.WantsSample("orders", Orders, "$.price"));
        Assert.False(view.WantsSample("orders", Orders, "$.id"));
    }

    [Fact]
    public void Past_its_bound_paths_not_yet_seen_count_as_the_overflow_path()
    {
        var view = new SampleCoverageView(Limits with { MaxPathsPerMigration = 2 }, migrations: 1);
        view.Count(Record(Orders, Start, sample: true, Value("$.a"), Value("$.b")));

        view.Count(Record(Orders, Start, sample: true, Value("$.c")));
        view.Count(Record(Orders, Start, sample: true, Value("$.d")));

        Assert.False(view.WantsSample("orders", Orders, "$.e"));
        Assert.True(view.WantsSample("orders", Orders, "$.a"));
    }
}
