using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Storage;
using ShadowProxy.Core.Triage;

namespace ShadowProxy.Core.Tests.Triage;

/// <summary>SPEC §16: summary rows ranked by severity, filtered by a minimum, grouped by path across endpoints.</summary>
public sealed class DiffTriageTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static readonly DiffSummaryRow[] Rows =
    [
        Row("GET /a", "header:ETag", "Header", 40, 0.4),
        Row("GET /b", "header:ETag", "Header", 60, 0.6),
        Row("GET /a", "$.total", "ValueChanged", 10, 0.1),
        Row("GET /b", "$.id", "TypeChanged", 2, 0.02),
        Row("GET /a", "$.meta.requestId", "Missing", 100, 1.0, isNoise: true),
    ];

    [Fact]
    public void By_default_real_differences_come_first_most_severe_then_most_frequent()
    {
        var page = DiffTriage.Rows(Rows, SeverityRules.Default, new TriageQuery());

        Assert.Equal(
            ["$.id breaking", "$.total risky", "header:ETag cosmetic", "header:ETag cosmetic", "$.meta.requestId breaking"],
            page.Rows.Select(r => $"{r.Path} {r.Severity}"));
        Assert.Equal("GET /b", page.Rows[2].Endpoint);
    }

    [Fact]
    public void A_minimum_severity_filters_and_counts_the_total()
    {
        var page = DiffTriage.Rows(Rows, SeverityRules.Default, new TriageQuery { MinSeverity = DiffSeverity.Risky, Limit = 1 });

        Assert.Equal(3, page.Total);
        Assert.Equal(["$.id"], page.Rows.Select(r => r.Path));
    }

    [Fact]
    public void An_explicit_sort_wins()
    {
        var page = DiffTriage.Rows(Rows, SeverityRules.Default, new TriageQuery { Sort = SummarySort.Count });

        Assert.Equal("$.meta.requestId", page.Rows[0].Path);
    }

    [Fact]
    public void Grouping_by_path_sums_counts_across_endpoints()
    {
        var page = DiffTriage.Groups(Rows, SeverityRules.Default, new TriageQuery { GroupBy = SummaryGrouping.Path });

        Assert.Equal(4, page.Total);
        Assert.Equal(["$.id", "$.total", "header:ETag", "$.meta.requestId"], page.Rows.Select(g => g.Path));
        var etag = page.Rows[2];
        Assert.Equal(100, etag.Count);
        Assert.Equal(0.5, etag.Rate, 6);
        Assert.Equal(["GET /b", "GET /a"], etag.Endpoints.Select(e => e.Endpoint));
        Assert.Equal([60L, 40L], etag.Endpoints.Select(e => e.Count));
        Assert.True(page.Rows[3].IsNoise);
    }

    [Fact]
    public void Overrides_move_rows()
    {
        var rules = SeverityRules.Create(new Dictionary<string, string> { ["header:ETag"] = "breaking" });

        var page = DiffTriage.Groups(Rows, rules, new TriageQuery { GroupBy = SummaryGrouping.Path, MinSeverity = DiffSeverity.Breaking });

        Assert.Equal(["header:ETag", "$.id", "$.meta.requestId"], page.Rows.Select(g => g.Path));
    }

    private static DiffSummaryRow Row(string endpoint, string path, string kind, long count, double rate, bool isNoise = false) =>
        new(endpoint, path, kind, count, isNoise ? count : 0, rate, isNoise, T0, T0.AddMinutes(count), [1]);
}
