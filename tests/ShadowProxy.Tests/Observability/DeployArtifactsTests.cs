using System.Text.Json;
using System.Text.RegularExpressions;
using ShadowProxy.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace ShadowProxy.Tests.Observability;

/// <summary>deploy/: the alert rules and the dashboard parse, and every metric and label they use exists in a real exposition.</summary>
public sealed partial class DeployArtifactsTests
{
    private static readonly HashSet<string> GeneratedByPrometheus = ["up"];

    [Fact]
    public async Task Alert_rules_parse_and_use_only_exposed_metrics_and_labels()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(await File.ReadAllTextAsync(Path.Combine(DeployFolder(), "prometheus", "alerts.yml"))));
        var root = (YamlMappingNode)yaml.Documents.Single().RootNode;
        var rules = ((YamlSequenceNode)root["groups"]).Cast<YamlMappingNode>()
            .SelectMany(group => ((YamlSequenceNode)group["rules"]).Cast<YamlMappingNode>())
            .ToList();

        var alerts = rules.Select(r => Scalar(r, "alert")).ToList();
        Assert.Equal(alerts.Count, alerts.Distinct().Count());
        foreach (var expected in new[]
        {
            "ShadowProxyRollback", "ShadowProxyDiffRateHigh", "ShadowProxyShadowDropsRising", "ShadowProxyCandidateErrorRateAboveLegacy", "ShadowProxyDown",
            "ShadowProxyStoreDegraded", "ShadowProxyConfigRefused", "ShadowProxyNotificationsFailing",
        })
        {
            Assert.Contains(expected, alerts);
        }

        var exposition = await ExpositionAsync();
        foreach (var rule in rules)
        {
            var name = Scalar(rule, "alert");
            Assert.Matches("^(page|ticket)$", Scalar((YamlMappingNode)rule["labels"], "severity"));
            Assert.False(string.IsNullOrWhiteSpace(Scalar((YamlMappingNode)rule["annotations"], "summary")), name);
            Assert.StartsWith("https://", Scalar((YamlMappingNode)rule["annotations"], "runbook_url"), StringComparison.Ordinal);
            if (rule.Children.ContainsKey("for"))
            {
                Assert.Matches(@"^\d+[smh]$", Scalar(rule, "for"));
            }

            AssertUsesExposedSeries(name, Scalar(rule, "expr"), exposition);
        }

        // Only automatic rollbacks page; the down alert knows ShadowProxy targets by their metrics, whatever
        // job name the scrape configuration (static, pod annotations, ServiceMonitor) gives them.
        Assert.Contains("trigger=\"automatic\"", Scalar(rules.Single(r => Scalar(r, "alert") == "ShadowProxyRollback"), "expr"));
        Assert.Equal("page", Scalar((YamlMappingNode)rules.Single(r => Scalar(r, "alert") == "ShadowProxyRollback")["labels"], "severity"));
        Assert.Contains("up == 0", Scalar(rules.Single(r => Scalar(r, "alert") == "ShadowProxyDown"), "expr"));
    }

    [Fact]
    public async Task Dashboard_parses_and_queries_only_exposed_metrics_and_labels()
    {
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(DeployFolder(), "grafana", "shadowproxy-dashboard.json")));
        var dashboard = json.RootElement;
        var variables = dashboard.GetProperty("templating").GetProperty("list").EnumerateArray().ToList();
        var datasource = Assert.Single(variables, v => v.GetProperty("type").GetString() == "datasource");
        Assert.Equal("prometheus", datasource.GetProperty("query").GetString());
        Assert.Contains(variables, v => v.GetProperty("name").GetString() == "migration");

        var panels = dashboard.GetProperty("panels").EnumerateArray().Where(p => p.GetProperty("type").GetString() != "row").ToList();
        Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
        Assert.All(panels, p => Assert.Equal("${datasource}", p.GetProperty("datasource").GetProperty("uid").GetString()));
        var queries = panels.SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => (Panel: p.GetProperty("title").GetString()!, Expr: t.GetProperty("expr").GetString()!))).ToList();
        var rollbacks = Assert.Single(dashboard.GetProperty("annotations").GetProperty("list").EnumerateArray(), a => a.GetProperty("name").GetString() == "Rollbacks");
        queries.Add(("annotation Rollbacks", rollbacks.GetProperty("expr").GetString()!));
        Assert.Contains("shadowproxy_rollbacks_total", queries[^1].Expr);

        var titles = string.Join('\n', panels.Select(p => p.GetProperty("title").GetString()));
        foreach (var metric in new[]
        {
            "shadowproxy_requests_total", "shadowproxy_request_duration_seconds_bucket", "shadowproxy_shadow_requests_total", "shadowproxy_comparisons_total", "shadowproxy_candidate_weight_percent",
            "shadowproxy_migration_status", "shadowproxy_stage_index", "shadowproxy_gate_value", "shadowproxy_gate_passing",
        })
        {
            Assert.Contains(queries, q => q.Expr.Contains(metric, StringComparison.Ordinal));
        }

        Assert.Contains(queries, q => q.Expr.StartsWith("histogram_quantile(0.99", StringComparison.Ordinal));
        Assert.Contains(queries, q => q.Expr.StartsWith("histogram_quantile(0.5", StringComparison.Ordinal));
        Assert.Contains("Diff rate", titles);

        var exposition = await ExpositionAsync();
        foreach (var (panel, expr) in queries)
        {
            AssertUsesExposedSeries(panel, expr, exposition);
        }
    }

    /// <summary>
    /// Every selector <c>metric{label="value", label=~"a|b"}</c> in <paramref name="expr"/> names an
    /// exposed metric; its labels exist on that metric, and each value an equality or alternation
    /// matcher names is a value the proxy exposes (Grafana variables and <c>job</c>/<c>instance</c>,
    /// which Prometheus adds, excepted).
    /// </summary>
    private static void AssertUsesExposedSeries(string where, string expr, PrometheusText exposition)
    {
        var metrics = MetricName().Matches(expr).Select(m => m.Value).Where(IsMetric).ToList();
        Assert.True(metrics.Count > 0, $"{where}: no metric found in {expr}");
        foreach (var metric in metrics)
        {
            Assert.True(GeneratedByPrometheus.Contains(metric) || exposition.Names.Contains(metric), $"{where}: {metric} is not in /metrics");
        }

        foreach (Match selector in Selector().Matches(expr))
        {
            var metric = selector.Groups["metric"].Value;
            if (GeneratedByPrometheus.Contains(metric))
            {
                continue;
            }

            var samples = exposition.Samples.Where(s => s.Name == metric || s.Name.StartsWith(metric + "_", StringComparison.Ordinal)).ToList();
            foreach (Match matcher in Matcher().Matches(selector.Groups["labels"].Value))
            {
                var label = matcher.Groups["label"].Value;
                if (label is "job" or "instance")
                {
                    continue;
                }

                Assert.True(samples.Any(s => s.Labels.ContainsKey(label)), $"{where}: {metric} has no label {label}");
                var value = matcher.Groups["value"].Value;
                if (value.Contains('$') || matcher.Groups["op"].Value is "!=" or "!~")
                {
                    continue;
                }

                foreach (var alternative in value.Split('|'))
                {
                    Assert.True(samples.Any(s => s.Labels.GetValueOrDefault(label) == alternative), $"{where}: {metric} never has {label}=\"{alternative}\"");
                }
            }
        }
    }

    private static bool IsMetric(string token) =>
        token.StartsWith("shadowproxy_", StringComparison.Ordinal) || token.StartsWith("process_", StringComparison.Ordinal)
        || token.StartsWith("dotnet_", StringComparison.Ordinal) || GeneratedByPrometheus.Contains(token);

    /// <summary>A /metrics exposition after traffic of every kind the rules look at, including a rollback.</summary>
    private static async Task<PrometheusText> ExpositionAsync()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        await using var proxy = await TestProxy.StartAsync(TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address));
        using (var response = await proxy.Client.GetAsync("/api/orders/1"))
        {
            response.EnsureSuccessStatusCode();
        }

        using (var rollback = await proxy.Admin.PostAsync("/api/v1/migrations/orders/rollback", new StringContent("""{"reason":"deploy artifacts test"}""", System.Text.Encoding.UTF8, "application/json")))
        {
            rollback.EnsureSuccessStatusCode();
        }

        return await PrometheusText.ScrapeAsync(proxy.Admin);
    }

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;

    internal static string DeployFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var deploy = Path.Combine(dir.FullName, "deploy");
            if (Directory.Exists(Path.Combine(deploy, "prometheus")))
            {
                return deploy;
            }
        }

        throw new DirectoryNotFoundException("deploy/ not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"(?<metric>[a-zA-Z_:][a-zA-Z0-9_:]*)\{(?<labels>[^}]*)\}")]
    private static partial Regex Selector();

    [GeneratedRegex(@"(?<label>[a-zA-Z_][a-zA-Z0-9_]*)\s*(?<op>=~|!~|!=|=)\s*""(?<value>[^""]*)""")]
    private static partial Regex Matcher();
}
