using ShadowProxy.Core.Noise;

namespace ShadowProxy.Core.Tests.Noise;

public sealed class ProbeNoiseTests
{
    private const string Orders = "GET /api/orders/{id}";

    [Fact]
    public void Paths_differing_in_at_least_the_threshold_of_pairs_become_noise_once_there_are_enough_pairs()
    {
        var probe = new ProbeNoise(minPairs: 20, threshold: 0.5);
        for (var i = 0; i < 19; i++)
        {
            probe.RecordPair(Orders, ["$.meta.generatedAt", i % 3 == 0 ? "$.rare" : "$.meta.generatedAt"]);
        }

        Assert.False(probe.IsNoise(Orders, "$.meta.generatedAt"));

        probe.RecordPair(Orders, ["$.meta.generatedAt"]);

        Assert.True(probe.IsNoise(Orders, "$.meta.generatedAt"));
        Assert.False(probe.IsNoise(Orders, "$.rare"));
        Assert.False(probe.IsNoise("GET /api/users/{id}", "$.meta.generatedAt"));
    }

    [Fact]
    public void A_path_where_legacy_agrees_with_itself_is_never_noise()
    {
        var probe = new ProbeNoise(minPairs: 5, threshold: 0.5);
        for (var i = 0; i < 10; i++)
        {
            probe.RecordPair(Orders, []);
        }

        Assert.False(probe.IsNoise(Orders, "$.status"));
        Assert.Empty(probe.Learned);
    }

    [Fact]
    public void Array_indexes_are_folded()
    {
        var probe = new ProbeNoise(minPairs: 2, threshold: 0.5);
        probe.RecordPair(Orders, ["$.items[0].updatedAt", "$.items[1].updatedAt"]);
        probe.RecordPair(Orders, ["$.items[0].updatedAt"]);

        Assert.True(probe.IsNoise(Orders, "$.items[7].updatedAt"));
        Assert.Equal("$.a[*].b[*]", ProbeNoise.Fold("$.a[12].b[3]"));
        Assert.Equal("$.a[x]", ProbeNoise.Fold("$.a[x]"));
    }

    [Fact]
    public void Restored_noise_holds_until_fresh_pairs_replace_it()
    {
        var probe = new ProbeNoise(minPairs: 3, threshold: 0.5);
        probe.Restore(new Dictionary<string, IReadOnlyList<string>> { [Orders] = ["$.meta.at"] });
        Assert.True(probe.IsNoise(Orders, "$.meta.at"));

        probe.RecordPair(Orders, []);
        probe.RecordPair(Orders, []);
        Assert.True(probe.IsNoise(Orders, "$.meta.at"));

        probe.RecordPair(Orders, []);
        Assert.False(probe.IsNoise(Orders, "$.meta.at"));
    }
}
