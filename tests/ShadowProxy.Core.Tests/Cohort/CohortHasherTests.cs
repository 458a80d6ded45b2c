using ShadowProxy.Core.Cohort;

namespace ShadowProxy.Core.Tests.Cohort;

public sealed class CohortHasherTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(25)]
    [InlineData(50)]
    [InlineData(75)]
    [InlineData(12.5)]
    public void Share_of_10000_distinct_keys_on_the_candidate_is_within_two_points_of_the_weight(double weight)
    {
        var threshold = CohortHasher.Threshold((decimal)weight);
        var onCandidate = Enumerable.Range(0, 10_000).Count(i => CohortHasher.Bucket("orders", $"user-{i}") < threshold);

        Assert.InRange(onCandidate / 100.0, weight - 2, weight + 2);
    }

    [Fact]
    public void A_key_on_the_candidate_at_a_weight_stays_there_at_every_higher_weight()
    {
        var weights = new decimal[] { 0.01m, 1, 5, 12.5m, 25, 50, 99.99m, 100 };
        for (var i = 0; i < 5_000; i++)
        {
            var bucket = CohortHasher.Bucket("orders", $"key-{i}");
            var onCandidate = weights.Select(w => bucket < CohortHasher.Threshold(w)).ToArray();
            for (var w = 1; w < onCandidate.Length; w++)
            {
                Assert.True(!onCandidate[w - 1] || onCandidate[w], $"key-{i} left the candidate between {weights[w - 1]}% and {weights[w]}%");
            }
        }
    }

    [Fact]
    public void Buckets_are_pinned_so_every_process_and_version_agrees()
    {
        // If these change, every user moves backend on upgrade: that must be a deliberate decision.
        Assert.Equal(CohortHasher.Bucket("orders", "user-1"), CohortHasher.Bucket("orders", "user-1".AsSpan()));
        var pinned = new[] { "user-1", "user-2", "alice@example.com", "", "ünïcödé" }.Select(k => CohortHasher.Bucket("orders", k)).ToArray();
        Assert.Equal(ExpectedPinned, pinned);
    }

    [Fact]
    public void The_migration_name_is_part_of_the_hash()
    {
        var differ = Enumerable.Range(0, 1000).Count(i => CohortHasher.Bucket("orders", $"u{i}") != CohortHasher.Bucket("payments", $"u{i}"));
        Assert.True(differ > 950, "cohorts of different migrations are independent");
    }

    [Fact]
    public void Long_keys_hash_like_short_ones_without_failing()
    {
        var longKey = new string('x', 100_000);
        Assert.InRange(CohortHasher.Bucket("orders", longKey), 0, CohortHasher.BucketCount - 1);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0.01, 1)]
    [InlineData(12.5, 1250)]
    [InlineData(100, 10_000)]
    public void Threshold_is_weight_in_hundredths(double weight, int expected) =>
        Assert.Equal(expected, CohortHasher.Threshold((decimal)weight));

    private static readonly int[] ExpectedPinned = [1271, 6981, 4719, 3860, 9113];
}
