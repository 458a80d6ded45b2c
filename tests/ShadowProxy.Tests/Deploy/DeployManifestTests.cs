using System.Text;
using Microsoft.Extensions.Configuration;
using ShadowProxy.Configuration;
using ShadowProxy.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace ShadowProxy.Tests.Deploy;

/// <summary>
/// deploy/ cannot be run here (no container engine): its files are parsed and their essentials checked,
/// and the fleet configuration they carry is read by the proxy's own configuration reader.
/// </summary>
public sealed class DeployManifestTests
{
    private static readonly string Deploy = Path.Combine(RepositoryFiles.Root(), "deploy");

    [Fact]
    public void Compose_runs_three_proxies_on_one_Redis_with_a_valid_fleet_configuration()
    {
        var compose = (YamlMappingNode)Load(Path.Combine(Deploy, "docker-compose.yml")).Single();
        var services = Map(compose, "services");
        Assert.Contains("redis", services.Children.Keys.Select(k => k.ToString()));
        var proxies = services.Children.Where(s => ((YamlMappingNode)s.Value).Children.ContainsKey("build") || Text(s.Value, "image") == "shadowproxy:local").ToList();
        Assert.True(proxies.Count >= 3, $"{proxies.Count} proxy services");
        Assert.Equal(proxies.Count * 2, proxies.SelectMany(p => Seq(p.Value, "ports").Select(x => x.ToString().Split(':')[0])).Distinct().Count());
        foreach (var proxy in proxies)
        {
            Assert.Equal("shadowproxy", Text(Seq(proxy.Value, "configs").Single(), "source"));
        }

        var options = ReadConfig(Text(Map(Map(compose, "configs"), "shadowproxy"), "content"));
        Assert.Equal(StoreProvider.Redis, options.Store.Provider);
        Assert.StartsWith("redis:", options.Store.Redis.Configuration, StringComparison.Ordinal);
        foreach (var backend in new[] { options.Migrations[0].Legacy.Address, options.Migrations[0].Candidate!.Address })
        {
            Assert.Contains(backend!.Host, services.Children.Keys.Select(k => k.ToString()));
        }

        var dockerfile = File.ReadAllText(Path.Combine(Deploy, "Dockerfile"));
        Assert.Contains("FROM mcr.microsoft.com/dotnet/sdk:10.0", dockerfile, StringComparison.Ordinal);
        Assert.Contains("FROM mcr.microsoft.com/dotnet/aspnet:10.0", dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void Kubernetes_runs_at_least_three_replicas_probed_on_the_admin_port_with_a_budget_and_Redis_in_the_ConfigMap()
    {
        var documents = Directory.GetFiles(Path.Combine(Deploy, "kubernetes"), "*.yaml")
            .Where(f => !f.EndsWith("kustomization.yaml", StringComparison.Ordinal))
            .SelectMany(Load).Cast<YamlMappingNode>().ToList();
        YamlMappingNode Kind(string kind, string name) => documents.Single(d => Text(d, "kind") == kind && Text(Map(d, "metadata"), "name") == name);

        var deployment = Kind("Deployment", "shadowproxy");
        var spec = Map(deployment, "spec");
        Assert.True(int.Parse(Text(spec, "replicas"), System.Globalization.CultureInfo.InvariantCulture) >= 3);
        var labels = Map(Map(Map(spec, "template"), "metadata"), "labels");
        var container = (YamlMappingNode)Seq(Map(Map(spec, "template"), "spec"), "containers").Single();
        var ports = Seq(container, "ports").Cast<YamlMappingNode>().ToDictionary(p => Text(p, "name"), p => Text(p, "containerPort"));
        Assert.Equal("8080", ports["proxy"]);
        Assert.Equal("8081", ports["admin"]);
        Assert.Equal("/readyz", Text(Map(Map(container, "readinessProbe"), "httpGet"), "path"));
        Assert.Equal("admin", Text(Map(Map(container, "readinessProbe"), "httpGet"), "port"));
        Assert.Equal("/healthz", Text(Map(Map(container, "livenessProbe"), "httpGet"), "path"));
        Assert.Equal("admin", Text(Map(Map(container, "livenessProbe"), "httpGet"), "port"));

        foreach (var selector in new[] { Map(Kind("Service", "shadowproxy"), "spec"), Map(Kind("Service", "shadowproxy-admin"), "spec") }.Select(s => Map(s, "selector"))
            .Append(Map(Map(Map(Kind("PodDisruptionBudget", "shadowproxy"), "spec"), "selector"), "matchLabels")))
        {
            Assert.All(selector.Children, label => Assert.Equal(label.Value.ToString(), labels.Children[label.Key].ToString()));
        }

        var budget = Map(Kind("PodDisruptionBudget", "shadowproxy"), "spec");
        Assert.True(budget.Children.ContainsKey("minAvailable") || budget.Children.ContainsKey("maxUnavailable"));

        var configMap = Kind("ConfigMap", "shadowproxy-config");
        var volume = Seq(Map(Map(spec, "template"), "spec"), "volumes").Cast<YamlMappingNode>().Single(v => v.Children.ContainsKey("configMap"));
        Assert.Equal("shadowproxy-config", Text(Map(volume, "configMap"), "name"));
        var options = ReadConfig(Text(Map(configMap, "data"), "shadowproxy.json"), apiKeyFromEnvironment: true);
        Assert.Equal(StoreProvider.Redis, options.Store.Provider);
        Assert.StartsWith("shadowproxy-redis:6379", options.Store.Redis.Configuration, StringComparison.Ordinal);
        Assert.Contains(Seq(container, "env").Cast<YamlMappingNode>(), e => Text(e, "name") == "ShadowProxy__Admin__ApiKeys__0__Key");

        // The kustomization lists every manifest.
        var kustomization = (YamlMappingNode)Load(Path.Combine(Deploy, "kubernetes", "kustomization.yaml")).Single();
        Assert.Equal(
            Directory.GetFiles(Path.Combine(Deploy, "kubernetes"), "*.yaml").Select(Path.GetFileName).Where(f => f != "kustomization.yaml").Order(),
            Seq(kustomization, "resources").Select(r => r.ToString()).Order());
    }

    [Fact]
    public void Compose_refuses_to_start_without_an_admin_key()
    {
        var compose = (YamlMappingNode)Load(Path.Combine(Deploy, "docker-compose.yml")).Single();
        var proxies = Map(compose, "services").Children.Where(s => Text(s.Value, "image") == "shadowproxy:local").ToList();
        Assert.NotEmpty(proxies);
        foreach (var proxy in proxies)
        {
            // ${VAR:?message}: compose stops with the message when VAR is unset or empty; no default key exists.
            var key = Text(Map(proxy.Value, "environment"), "ShadowProxy__Admin__ApiKeys__0__Key");
            Assert.Matches(@"^\$\{SHADOWPROXY_ADMIN_KEY:\?[^}$]+\}$", key);
        }
    }

    [Fact]
    public void Kubernetes_admin_key_comes_from_a_Secret_that_apply_k_does_not_own()
    {
        var kustomization = (YamlMappingNode)Load(Path.Combine(Deploy, "kubernetes", "kustomization.yaml")).Single();
        Assert.False(kustomization.Children.ContainsKey("secretGenerator"), "a generated Secret would be replaced by every apply");
        var documents = Seq(kustomization, "resources").SelectMany(r => Load(Path.Combine(Deploy, "kubernetes", r.ToString()))).Cast<YamlMappingNode>().ToList();
        Assert.DoesNotContain(documents, d => Text(d, "kind") == "Secret");

        var container = (YamlMappingNode)Seq(Map(Map(Map(documents.Single(d => Text(d, "kind") == "Deployment"), "spec"), "template"), "spec"), "containers").Single();
        var key = Seq(container, "env").Cast<YamlMappingNode>().Single(e => Text(e, "name") == "ShadowProxy__Admin__ApiKeys__0__Key");
        var reference = Map(Map(key, "valueFrom"), "secretKeyRef");
        Assert.Equal("shadowproxy-admin", Text(reference, "name"));
        Assert.NotEqual("true", Text(reference, "optional"));
        Assert.Contains("kubectl create secret generic shadowproxy-admin", File.ReadAllText(Path.Combine(Deploy, "kubernetes", "kustomization.yaml")), StringComparison.Ordinal);
    }

    [Fact]
    public void The_image_user_owns_the_working_directory_where_the_default_SQLite_path_lands()
    {
        var final = File.ReadAllText(Path.Combine(Deploy, "Dockerfile")).Split("FROM ").Last().Split('\n').Select(l => l.Trim()).ToList();
        var workdir = final.Single(l => l.StartsWith("WORKDIR ", StringComparison.Ordinal))["WORKDIR ".Length..];
        Assert.Contains(final, l => l.StartsWith("RUN ", StringComparison.Ordinal) && l.Contains("mkdir -p " + workdir, StringComparison.Ordinal) && l.Contains("chown \"$APP_UID\" " + workdir, StringComparison.Ordinal));
        Assert.True(final.FindIndex(l => l.StartsWith("USER $APP_UID", StringComparison.Ordinal)) > final.FindIndex(l => l.StartsWith("WORKDIR ", StringComparison.Ordinal)));
        Assert.False(Path.IsPathRooted(new StoreOptions().Sqlite.Path), "the default SQLite path is relative to the working directory");

        // Kubernetes: the root filesystem is read-only, so the working directory is a mounted volume.
        var deployment = (YamlMappingNode)Load(Path.Combine(Deploy, "kubernetes", "deployment.yaml")).Single();
        var container = (YamlMappingNode)Seq(Map(Map(Map(deployment, "spec"), "template"), "spec"), "containers").Single();
        Assert.Equal("true", Text(Map(container, "securityContext"), "readOnlyRootFilesystem"));
        var mount = Seq(container, "volumeMounts").Cast<YamlMappingNode>().Single(m => Text(m, "mountPath") == workdir);
        Assert.NotEqual("true", Text(mount, "readOnly"));
    }

    [Fact]
    public void Prometheus_Operator_resources_scrape_the_admin_Service_and_carry_the_same_rules_as_alerts_yml()
    {
        var folder = Path.Combine(Deploy, "kubernetes", "prometheus-operator");
        var kustomization = (YamlMappingNode)Load(Path.Combine(folder, "kustomization.yaml")).Single();
        var documents = Seq(kustomization, "resources").SelectMany(r => Load(Path.Combine(folder, r.ToString()))).Cast<YamlMappingNode>().ToList();

        var rule = documents.Single(d => Text(d, "kind") == "PrometheusRule");
        Assert.Equal("monitoring.coreos.com/v1", Text(rule, "apiVersion"));
        var alerts = (YamlMappingNode)Load(Path.Combine(Deploy, "prometheus", "alerts.yml")).Single();
        Assert.Equal(Canonical(alerts.Children[new YamlScalarNode("groups")]), Canonical(Map(rule, "spec").Children[new YamlScalarNode("groups")]));

        var monitor = documents.Single(d => Text(d, "kind") == "ServiceMonitor");
        var spec = Map(monitor, "spec");
        var services = Load(Path.Combine(Deploy, "kubernetes", "service.yaml")).Cast<YamlMappingNode>().ToList();
        var selected = services.Where(s => Map(Map(spec, "selector"), "matchLabels").Children.All(l =>
            Map(Map(s, "metadata"), "labels").Children.TryGetValue(l.Key, out var v) && v.ToString() == l.Value.ToString())).ToList();
        var admin = Assert.Single(selected);
        Assert.Equal("shadowproxy-admin", Text(Map(admin, "metadata"), "name"));
        var endpoint = (YamlMappingNode)Seq(spec, "endpoints").Single();
        Assert.Contains(Seq(Map(admin, "spec"), "ports").Cast<YamlMappingNode>(), p => Text(p, "name") == Text(endpoint, "port"));
        Assert.Equal("/metrics", Text(endpoint, "path"));

        // The job label comes from the Service's label named by jobLabel: job="shadowproxy", as in deploy/README.md.
        Assert.Equal("shadowproxy", Text(Map(Map(admin, "metadata"), "labels"), Text(spec, "jobLabel")));
    }

    /// <summary>A YAML tree as one string, independent of layout and comments.</summary>
    private static string Canonical(YamlNode node) => node switch
    {
        YamlScalarNode scalar => System.Text.Json.JsonSerializer.Serialize(scalar.Value),
        YamlSequenceNode sequence => "[" + string.Join(",", sequence.Select(Canonical)) + "]",
        YamlMappingNode mapping => "{" + string.Join(",", mapping.Children.OrderBy(c => c.Key.ToString(), StringComparer.Ordinal).Select(c => Canonical(c.Key) + ":" + Canonical(c.Value))) + "}",
        _ => throw new NotSupportedException(node.GetType().Name),
    };

    /// <summary>The configuration as the proxy reads it (a non-loopback admin listener needs an API key: supplied as the environment would).</summary>
    private static ShadowProxyOptions ReadConfig(string json, bool apiKeyFromEnvironment = true)
    {
        var builder = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        if (apiKeyFromEnvironment)
        {
            builder.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ShadowProxy:Admin:ApiKeys:0:Name"] = "ops",
                ["ShadowProxy:Admin:ApiKeys:0:Role"] = "Operator",
                ["ShadowProxy:Admin:ApiKeys:0:Key"] = "a-long-enough-random-secret-for-tests",
            });
        }

        var options = ConfigReader.Read(builder.Build(), out var errors);
        Assert.True(options is not null, string.Join(Environment.NewLine, errors));
        return options;
    }

    private static List<YamlNode> Load(string path)
    {
        using var reader = new StreamReader(path);
        var stream = new YamlStream();
        stream.Load(new YamlDotNet.Core.MergingParser(new YamlDotNet.Core.Parser(reader))); // resolves "<<: *anchor"
        return stream.Documents.Select(d => d.RootNode).ToList();
    }

    private static YamlMappingNode Map(YamlNode node, string key) => (YamlMappingNode)((YamlMappingNode)node).Children[new YamlScalarNode(key)];

    private static IEnumerable<YamlNode> Seq(YamlNode node, string key) => (YamlSequenceNode)((YamlMappingNode)node).Children[new YamlScalarNode(key)];

    private static string Text(YamlNode node, string key) =>
        ((YamlMappingNode)node).Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value ?? string.Empty : string.Empty;
}
