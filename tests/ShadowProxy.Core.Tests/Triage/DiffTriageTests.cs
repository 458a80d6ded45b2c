using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Storage;
using ShadowProxy.Core.Triage;

namespace ShadowProxy.Core.Tests.Triage;

/// <summary>docs/comparison.md#severity: summary rows ranked by severity, filtered by a minimum, grouped by path across endpoints.</summary>
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
    public void Array_positions_fold_into_one_cause()
    {
        DiffSummaryRow[] rows =
        [
            Row("GET /orders", "$.items[3].status", "ValueChanged", 30, 0.3),
            Row("GET /orders", "$.items[8].status", "ValueChanged", 20, 0.2),
            Row("GET /orders", "$.items[id=7].status", "ValueChanged", 5, 0.05),
            Row("GET /orders/{id}", "$.status", "ValueChanged", 10, 0.5),
        ];

        var page = DiffTriage.Groups(rows, SeverityRules.Default, new TriageQuery { GroupBy = SummaryGrouping.Path });

        Assert.Equal(["$.items[*].status", "$.status"], page.Rows.Select(g => g.Path));
        var items = page.Rows[0];
        Assert.Equal((3, 55L), (items.Paths, items.Count));
        var endpoint = Assert.Single(items.Endpoints);
        Assert.Equal(("GET /orders", "$.items[3].status", 55L, 0.3), (endpoint.Endpoint, endpoint.Path, endpoint.Count, endpoint.Rate));
        Assert.Equal(0.3, items.Rate, 6);
    }

    [Theory]
    [InlineData("$.items[3].price", "$.items[*].price")]
    [InlineData("$[0][12]", "$[*][*]")]
    [InlineData("$.items[id=7].lines[sku='A]B'].qty", "$.items[*].lines[*].qty")]
    [InlineData("$['a[1]'].b", "$['a[1]'].b")]
    [InlineData("$.meta.requestId", "$.meta.requestId")]
    [InlineData("header:ETag", "header:ETag")]
    [InlineData("line:3", "line:3")]
    public void Generalized_paths(string path, string expected)
    {
        Assert.Equal(expected, PathGeneralizer.Generalize(path));
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
