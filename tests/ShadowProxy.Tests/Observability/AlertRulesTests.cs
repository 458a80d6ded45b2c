using System.Diagnostics;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace ShadowProxy.Tests.Observability;

/// <summary>
/// deploy/prometheus/alerts.yml as Prometheus itself reads it: <c>promtool check rules</c> (syntax,
/// PromQL, templates) and <c>promtool test rules alerts.test.yml</c> (the error-rate alert from 1 % to
/// 100 % weight with its minimum-traffic guard, automatic vs manual rollbacks, store, configuration,
/// down). promtool comes with the Debian package <c>prometheus</c> (build.sh installs it).
/// </summary>
public sealed partial class AlertRulesTests
{
    private static readonly string Prometheus = Path.Combine(DeployArtifactsTests.DeployFolder(), "prometheus");

    [Fact]
    public async Task Promtool_accepts_the_rules()
    {
        var (exitCode, output) = await PromtoolAsync("check", "rules", "alerts.yml");
        Assert.True(exitCode == 0, output);
        Assert.Contains("SUCCESS", output);
    }

    [Fact]
    public async Task Promtool_unit_tests_of_the_rules_pass()
    {
        var (exitCode, output) = await PromtoolAsync("test", "rules", "alerts.test.yml");
        Assert.True(exitCode == 0, output);
        Assert.Contains("SUCCESS", output);
    }

    [Fact]
    public async Task Every_alert_links_to_its_section_of_the_runbook()
    {
        var runbook = await File.ReadAllTextAsync(Path.Combine(DeployArtifactsTests.DeployFolder(), "RUNBOOK.md"));
        var anchors = Heading().Matches(runbook).Select(m => m.Groups["title"].Value.Trim().ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        var yaml = new YamlStream();
        yaml.Load(new StringReader(await File.ReadAllTextAsync(Path.Combine(Prometheus, "alerts.yml"))));
        var rules = ((YamlSequenceNode)((YamlMappingNode)yaml.Documents.Single().RootNode)["groups"]).Cast<YamlMappingNode>()
            .SelectMany(group => ((YamlSequenceNode)group["rules"]).Cast<YamlMappingNode>());
        foreach (var rule in rules)
        {
            var alert = ((YamlScalarNode)rule["alert"]).Value!;
            var url = ((YamlScalarNode)((YamlMappingNode)rule["annotations"])["runbook_url"]).Value!;
            Assert.EndsWith("/deploy/RUNBOOK.md#" + alert.ToLowerInvariant(), url, StringComparison.Ordinal);
            Assert.True(anchors.Contains(alert.ToLowerInvariant()), $"RUNBOOK.md has no section '## {alert}'");
            Assert.DoesNotContain("job=", ((YamlScalarNode)rule["expr"]).Value!, StringComparison.Ordinal);
        }
    }

    private static async Task<(int ExitCode, string Output)> PromtoolAsync(params string[] args)
    {
        var info = new ProcessStartInfo("promtool")
        {
            WorkingDirectory = Prometheus,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"^## (?<title>.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();
}
