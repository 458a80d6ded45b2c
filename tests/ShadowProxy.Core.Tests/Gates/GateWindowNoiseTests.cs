using ShadowProxy.Core.Gates;

namespace ShadowProxy.Core.Tests.Gates;

/// <summary>docs/comparison.md#what-the-gates-and-counters-count: the diff-rate gate counts comparisons by the noise rules in force when the window is evaluated.</summary>
public sealed class GateWindowNoiseTests
{
    private const string Orders = "GET /api/orders/{id}";
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Comparisons_are_judged_by_the_rules_given_at_snapshot()
    {
        var window = new GateWindow(TimeSpan.FromMinutes(1));
        for (var i = 0; i < 8; i++)
        {
            window.RecordComparison(ComparisonTally.Diff, new DiffSignature(Orders, ["$.meta.at"], wasDiff: true), Now);
        }

        window.RecordComparison(ComparisonTally.Diff, new DiffSignature(Orders, ["$.meta.at", "$.total"], wasDiff: true), Now);
        window.RecordComparison(ComparisonTally.Match, Now);

        var asCompared = window.Snapshot(Now);
        Assert.Equal((1, 9, 0), (asCompared.Matches, asCompared.Diffs, asCompared.Noise));

        var timestampIsNoise = window.Snapshot(Now, (endpoint, path) => path == "$.meta.at");
        Assert.Equal((1, 1, 8), (timestampIsNoise.Matches, timestampIsNoise.Diffs, timestampIsNoise.Noise));

        var everythingIsNoise = window.Snapshot(Now, (_, _) => true);
        Assert.Equal((0, 9), (everythingIsNoise.Diffs, everythingIsNoise.Noise));
    }

    [Fact]
    public void Past_the_signature_bound_a_comparison_keeps_its_verdict()
    {
        var window = new GateWindow(TimeSpan.FromMinutes(1));
        for (var i = 0; i < DiffSignatures.MaxSignatures + 10; i++)
        {
            window.RecordComparison(ComparisonTally.Diff, new DiffSignature(Orders, ["$.x" + i], wasDiff: true), Now);
        }

        var stats = window.Snapshot(Now, (_, _) => true);
        Assert.Equal(DiffSignatures.MaxSignatures + 10, stats.Comparisons);
        Assert.Equal(10, stats.Diffs);
    }
}
