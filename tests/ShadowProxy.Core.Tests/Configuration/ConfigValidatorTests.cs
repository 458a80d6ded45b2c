using ShadowProxy.Core.Configuration;

namespace ShadowProxy.Core.Tests.Configuration;

/// <summary>Every rule of <see cref="ConfigValidator"/>: one edit of a valid migration, the one error it gives (key and message).</summary>
public sealed class ConfigValidatorTests
{
    private const string Root = "ShadowProxy:Migrations";
    private const string M = Root + ":orders";

    private static readonly MigrationOptions Valid = new()
    {
        Name = "orders",
        Routes = [new RouteMatchOptions { Path = "/api/orders/{**rest}" }],
        Legacy = new BackendOptions { Address = new Uri("http://127.0.0.1:9001") },
        Candidate = new BackendOptions { Address = new Uri("http://127.0.0.1:9002") },
    };

    public static TheoryData<string, Func<MigrationOptions, MigrationOptions>, string> Rules => new()
    {
        { "name outside the alphabet", m => m with { Name = "or ders" }, $"{Root}:or ders: migration names use letters, digits, '-', '_' and '.' only (they appear in URLs and metric labels)" },
        { "name longer than 64", m => m with { Name = new string('a', 65) }, $"{Root}:{new string('a', 65)}: migration names use letters, digits, '-', '_' and '.' only (they appear in URLs and metric labels)" },
        { "no routes", m => m with { Routes = [] }, $"{M}:Routes: is required: at least one route" },
        { "route path without a slash", m => m with { Routes = [new RouteMatchOptions { Path = "api" }] }, $"{M}:Routes[0]:Path: 'api' must start with '/'" },
        { "backend that is not http", m => m with { Legacy = Backend("ftp://127.0.0.1/") }, $"{M}:Legacy:Address: 'ftp://127.0.0.1/' is not an absolute http:// or https:// URL" },
        { "relative backend", m => m with { Legacy = Backend("relative/path") }, $"{M}:Legacy:Address: 'relative/path' is not an absolute http:// or https:// URL" },
        { "backend with a query", m => m with { Candidate = Backend("http://127.0.0.1:9002/?a=1") }, $"{M}:Candidate:Address: 'http://127.0.0.1:9002/?a=1' must not have a query or fragment" },
        { "backend with a fragment", m => m with { Candidate = Backend("http://127.0.0.1:9002/#a") }, $"{M}:Candidate:Address: 'http://127.0.0.1:9002/#a' must not have a query or fragment" },
        { "candidate is legacy", m => m with { Candidate = Backend("HTTP://127.0.0.1:9001/") }, $"{M}:Candidate:Address: is the same as Legacy:Address" },
        { "zero timeout", m => m with { Legacy = m.Legacy with { Timeout = TimeSpan.Zero } }, $"{M}:Legacy:Timeout: must be above zero" },
        { "negative timeout", m => m with { Legacy = m.Legacy with { Timeout = TimeSpan.FromSeconds(-1) } }, $"{M}:Legacy:Timeout: -00:00:01 is negative" },
        { "timeout above a day", m => m with { Candidate = m.Candidate! with { Timeout = TimeSpan.FromDays(2) } }, $"{M}:Candidate:Timeout: 2.00:00:00 is above the limit of 1.00:00:00" },
        { "version header with a space", m => m with { Candidate = m.Candidate! with { VersionHeader = "X Version" } }, $"{M}:Candidate:VersionHeader: is not an HTTP header name" },
        { "empty version header", m => m with { Candidate = m.Candidate! with { VersionHeader = "" } }, $"{M}:Candidate:VersionHeader: is not an HTTP header name" },
        { "sample percent above 100", m => m with { Shadow = new ShadowOptions { SamplePercent = 150 } }, $"{M}:Shadow:SamplePercent: 150 is outside 0..100" },
        { "sample percent NaN", m => m with { Shadow = new ShadowOptions { SamplePercent = double.NaN } }, $"{M}:Shadow:SamplePercent: NaN is outside 0..100" },
        { "shadow method with a space", m => m with { Shadow = new ShadowOptions { Methods = ["GET", "G T"] } }, $"{M}:Shadow:Methods[1]: 'G T' is not an HTTP method" },
        { "negative shadow body", m => m with { Shadow = new ShadowOptions { MaxBodyBytes = -1 } }, $"{M}:Shadow:MaxBodyBytes: -1 is negative" },
        { "shadow body above 64 MiB", m => m with { Shadow = new ShadowOptions { MaxBodyBytes = (64L * 1024 * 1024) + 1 } }, $"{M}:Shadow:MaxBodyBytes: 67108865 is above the 64 MiB limit for buffered copies" },
        { "zero shadow timeout", m => m with { Shadow = new ShadowOptions { Timeout = TimeSpan.Zero } }, $"{M}:Shadow:Timeout: must be above zero" },
        { "negative shadow ceiling", m => m with { Shadow = new ShadowOptions { MaxInFlight = -1, MinInFlight = 0 } }, $"{M}:Shadow:MaxInFlight: -1 is negative" },
        { "shadow floor above the ceiling", m => m with { Shadow = new ShadowOptions { MaxInFlight = 8, MinInFlight = 9 } }, $"{M}:Shadow:MinInFlight: must be from 0 to MaxInFlight" },
        { "negative shadow floor", m => m with { Shadow = new ShadowOptions { MinInFlight = -1 } }, $"{M}:Shadow:MinInFlight: must be from 0 to MaxInFlight" },
        { "negative numeric tolerance", m => m with { Diff = new DiffOptions { NumericTolerance = -0.5 } }, $"{M}:Diff:NumericTolerance: -0.5 is negative" },
        { "ignored path without $", m => m with { Diff = new DiffOptions { IgnoreJsonPaths = ["$.a", "meta.id"] } }, $"{M}:Diff:IgnoreJsonPaths[1]: 'meta.id' is not a JSON path (it starts with '$', e.g. $.meta.requestId)" },
        { "unordered array path without $", m => m with { Diff = new DiffOptions { UnorderedArrays = [""] } }, $"{M}:Diff:UnorderedArrays[0]: '' is not a JSON path (it starts with '$', e.g. $.meta.requestId)" },
        { "zero decoded bytes", m => m with { Diff = new DiffOptions { MaxDecodedBytes = 0 } }, $"{M}:Diff:MaxDecodedBytes: 0 must be above 0" },
        { "zero differences", m => m with { Diff = new DiffOptions { MaxDifferences = 0 } }, $"{M}:Diff:MaxDifferences: 0 must be above 0" },
        { "probe sample percent below 0", m => m with { Diff = new DiffOptions { NoiseProbe = new NoiseProbeOptions { SamplePercent = -1 } } }, $"{M}:Diff:NoiseProbe:SamplePercent: -1 is outside 0..100" },
        { "probe threshold 0", m => m with { Diff = new DiffOptions { NoiseProbe = new NoiseProbeOptions { Threshold = 0 } } }, $"{M}:Diff:NoiseProbe:Threshold: 0 is outside (0, 1]" },
        { "probe threshold above 1", m => m with { Diff = new DiffOptions { NoiseProbe = new NoiseProbeOptions { Threshold = 1.5 } } }, $"{M}:Diff:NoiseProbe:Threshold: 1.5 is outside (0, 1]" },
        { "zero probe pairs", m => m with { Diff = new DiffOptions { NoiseProbe = new NoiseProbeOptions { MinPairs = 0 } } }, $"{M}:Diff:NoiseProbe:MinPairs: 0 must be above 0" },
        { "probe address with a query", m => m with { Diff = new DiffOptions { NoiseProbe = new NoiseProbeOptions { Address = new Uri("http://127.0.0.1:9003/?a=1") } } }, $"{M}:Diff:NoiseProbe:Address: must not have a query or fragment" },
        { "redacted path without $", m => m with { Redact = new RedactOptions { JsonPaths = ["password"] } }, $"{M}:Redact:JsonPaths[0]: 'password' is not a JSON path (it starts with '$', e.g. $.meta.requestId)" },
        { "no stages", m => m with { Ramp = new RampOptions { Stages = [] } }, $"{M}:Ramp:Stages: needs at least one stage" },
        { "stage without a name", m => m with { Ramp = Stages(Stage(" ", 0)) }, $"{M}:Ramp:Stages[0]:Name: is required" },
        { "stage name twice", m => m with { Ramp = Stages(Stage("a", 0), Stage("A", 1)) }, $"{M}:Ramp:Stages[1]:Name: 'A' is used by two stages" },
        { "weight above 100", m => m with { Ramp = Stages(Stage("a", 0), Stage("b", 120)) }, $"{M}:Ramp:Stages[1]:Weight: 120 is outside 0..100" },
        { "weight below 0", m => m with { Ramp = Stages(Stage("a", -1)) }, $"{M}:Ramp:Stages[0]:Weight: -1 is outside 0..100" },
        { "weight with three decimals", m => m with { Ramp = Stages(Stage("a", 1.005m)) }, $"{M}:Ramp:Stages[0]:Weight: 1.005 has more than two decimals" },
        { "decreasing weights", m => m with { Ramp = Stages(Stage("a", 1), Stage("b", 0.5m)) }, $"{M}:Ramp:Stages[1]:Weight: 0.5 is below the previous stage's 1 (stage weights never decrease)" },
        { "negative stage duration", m => m with { Ramp = Stages(Stage("a", 0) with { MinDuration = TimeSpan.FromMinutes(-1) }) }, $"{M}:Ramp:Stages[0]:MinDuration: -00:01:00 is negative" },
        { "gate window below a second", m => m with { Ramp = Gates(new GateOptions { Window = TimeSpan.FromMilliseconds(500) }) }, $"{M}:Ramp:Gates:Window: 00:00:00.5000000 is below 00:00:01" },
        { "gate window above a day", m => m with { Ramp = Gates(new GateOptions { Window = TimeSpan.FromDays(2) }) }, $"{M}:Ramp:Gates:Window: 2.00:00:00 is above the limit of 1.00:00:00" },
        { "zero gate samples", m => m with { Ramp = Gates(new GateOptions { MinSamples = 0 }) }, $"{M}:Ramp:Gates:MinSamples: 0 must be above 0" },
        { "diff rate above 1", m => m with { Ramp = Gates(new GateOptions { MaxDiffRate = 2 }) }, $"{M}:Ramp:Gates:MaxDiffRate: 2 is outside 0..1 (a fraction: 0.01 is 1%)" },
        { "negative error rate increase", m => m with { Ramp = Gates(new GateOptions { MaxErrorRateIncrease = -0.1 }) }, $"{M}:Ramp:Gates:MaxErrorRateIncrease: -0.1 is outside 0..1 (a fraction: 0.01 is 1%)" },
        { "zero latency ratio", m => m with { Ramp = Gates(new GateOptions { MaxP99LatencyRatio = 0 }) }, $"{M}:Ramp:Gates:MaxP99LatencyRatio: 0 must be above 0" },
        { "breaker ratio 0", m => m with { Failover = new FailoverOptions { BreakerFailureRatio = 0 } }, $"{M}:Failover:BreakerFailureRatio: 0 is outside (0, 1]" },
        { "breaker throughput 1", m => m with { Failover = new FailoverOptions { BreakerMinimumThroughput = 1 } }, $"{M}:Failover:BreakerMinimumThroughput: 1 is below 2" },
        { "breaker sampling below 0.5 s", m => m with { Failover = new FailoverOptions { BreakerSamplingDuration = TimeSpan.FromMilliseconds(100) } }, $"{M}:Failover:BreakerSamplingDuration: 00:00:00.1000000 is outside 00:00:00.5000000..1.00:00:00" },
        { "breaker break above a day", m => m with { Failover = new FailoverOptions { BreakerBreakDuration = TimeSpan.FromDays(2) } }, $"{M}:Failover:BreakerBreakDuration: 2.00:00:00 is outside 00:00:00.5000000..1.00:00:00" },
        { "replay corpus beyond its bound", m => m with { Replay = new ReplayOptions { PerEndpoint = 1001 } }, $"{M}:Replay:PerEndpoint: 1001 is outside 0..1000 (0 keeps no replay corpus)" },
        { "negative replay corpus", m => m with { Replay = new ReplayOptions { PerEndpoint = -1 } }, $"{M}:Replay:PerEndpoint: -1 is outside 0..1000 (0 keeps no replay corpus)" },
        { "backend with neither Address nor ClusterId", m => m with { Legacy = new BackendOptions() }, $"{M}:Legacy:Address: is required: an absolute URL (e.g. http://127.0.0.1:9001), or a ClusterId naming a cluster of the proxy's configuration" },
        { "backend with both Address and ClusterId", m => m with { Candidate = m.Candidate! with { ClusterId = "orders-v2" } }, $"{M}:Candidate:ClusterId: is given beside Address: give one of them" },
        { "empty cluster id", m => m with { Legacy = Cluster(" ") }, $"{M}:Legacy:ClusterId: is empty: name a cluster of the proxy's configuration" },
        { "cluster id of a generated cluster", m => m with { Legacy = Cluster("shadowproxy.orders.legacy") }, $"{M}:Legacy:ClusterId: 'shadowproxy.orders.legacy' names a cluster the proxy generates for a migration" },
        { "cluster with a timeout", m => m with { Candidate = Cluster("orders-v2") with { Timeout = TimeSpan.FromSeconds(5) } }, $"{M}:Candidate:Timeout: applies to an Address only: the cluster's own HttpRequest:ActivityTimeout applies to a ClusterId" },
        { "candidate cluster is legacy's", m => m with { Legacy = Cluster("orders"), Candidate = Cluster("ORDERS") }, $"{M}:Candidate:ClusterId: is the same as Legacy:ClusterId" },
        { "route with neither Path nor RouteId", m => m with { Routes = [new RouteMatchOptions { Methods = ["GET"] }] }, $"{M}:Routes[0]:Path: is required: a YARP path template (e.g. /api/orders/{{**rest}}), or a RouteId naming a route of the proxy's configuration" },
        { "route with RouteId and Path", m => m with { Routes = [new RouteMatchOptions { RouteId = "orders", Path = "/api/{**rest}" }] }, $"{M}:Routes[0]:Path: is given beside RouteId: give one of them (the route's own match applies)" },
        { "route with RouteId and Methods", m => m with { Routes = [new RouteMatchOptions { RouteId = "orders", Methods = ["GET"] }] }, $"{M}:Routes[0]:Methods: is given beside RouteId (the route's own match applies)" },
        { "route with RouteId and Hosts", m => m with { Routes = [new RouteMatchOptions { RouteId = "orders", Hosts = ["shop.example"] }] }, $"{M}:Routes[0]:Hosts: is given beside RouteId (the route's own match applies)" },
        { "route with RouteId and Headers", m => m with { Routes = [new RouteMatchOptions { RouteId = "orders", Headers = [] }] }, $"{M}:Routes[0]:Headers: is given beside RouteId (the route's own match applies)" },
        { "empty route id", m => m with { Routes = [new RouteMatchOptions { RouteId = "" }] }, $"{M}:Routes[0]:RouteId: is empty: name a route of the proxy's configuration" },
        { "route id of a generated route", m => m with { Routes = [new RouteMatchOptions { RouteId = "ShadowProxy.orders.0" }] }, $"{M}:Routes[0]:RouteId: 'ShadowProxy.orders.0' names a route the proxy generates for a migration" },
        { "route claimed twice by one migration", m => m with { Routes = [new RouteMatchOptions { RouteId = "orders" }, new RouteMatchOptions { RouteId = "Orders" }] }, $"{M}:Routes[1]:RouteId: 'Orders' is already a route of migration 'orders' (a route serves one migration)" },
        { "cohort header without a name", m => m with { Cohort = new CohortOptions { Source = CohortSourceKind.Header, Name = " " } }, $"{M}:Cohort:From: names no header or cookie" },
        { "cohort cookie without a name", m => m with { Cohort = new CohortOptions { Source = CohortSourceKind.Cookie } }, $"{M}:Cohort:From: names no header or cookie" },
    };

    [Fact]
    public void A_valid_migration_and_the_defaults_have_no_errors()
    {
        Assert.Empty(ConfigValidator.Validate([Valid], Root));
        Assert.Empty(ConfigValidator.Validate([], Root));
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void Each_rule_names_its_key_and_says_why(string rule, Func<MigrationOptions, MigrationOptions> edit, string expected)
    {
        var errors = ConfigValidator.Validate([edit(Valid)], Root);
        Assert.True(errors.Count == 1, $"{rule}: {string.Join(Environment.NewLine, errors)}");
        Assert.Equal(expected, errors[0].ToString());
    }

    [Fact]
    public void Clusters_and_routes_of_the_proxy_configuration_are_valid_backends_and_routes()
    {
        var onClusters = Valid with { Routes = [new RouteMatchOptions { RouteId = "orders" }, new RouteMatchOptions { Path = "/v2/orders/{**rest}" }], Legacy = Cluster("orders-v1"), Candidate = Cluster("orders-v2") };
        Assert.Empty(ConfigValidator.Validate([onClusters, Valid with { Name = "mixed", Routes = [new RouteMatchOptions { RouteId = "payments" }], Candidate = Cluster("orders-v2") }], Root));
    }

    [Fact]
    public void A_route_claimed_by_two_migrations_is_named_at_the_second()
    {
        var errors = ConfigValidator.Validate([Valid with { Routes = [new RouteMatchOptions { RouteId = "orders" }] }, Valid with { Name = "payments", Routes = [new RouteMatchOptions { RouteId = "ORDERS" }] }], Root);
        Assert.Equal($"{Root}:payments:Routes[0]:RouteId: 'ORDERS' is already a route of migration 'orders' (a route serves one migration)", Assert.Single(errors).ToString());
    }

    [Fact]
    public void References_to_clusters_and_routes_the_proxy_does_not_have_are_named_by_key()
    {
        var migration = Valid with { Routes = [new RouteMatchOptions { Path = "/a" }, new RouteMatchOptions { RouteId = "orders" }, new RouteMatchOptions { RouteId = "gone" }], Legacy = Cluster("orders-v1"), Candidate = Cluster("orders-v3") };
        string[] clusters = ["orders-v1", "orders-v2"];
        var errors = ConfigValidator.ValidateReferences([migration], Root, id => clusters.Contains(id), id => id == "orders");
        Assert.Equal(
            [
                $"{M}:Routes[2]:RouteId: 'gone' is not a route of the proxy's configuration (ReverseProxy:Routes, or a route added in code)",
                $"{M}:Candidate:ClusterId: 'orders-v3' is not a cluster of the proxy's configuration (ReverseProxy:Clusters, or a cluster added in code)",
            ],
            errors.Select(e => e.ToString()));
        Assert.Empty(ConfigValidator.ValidateReferences([Valid], Root, _ => false, _ => false));
    }

    [Fact]
    public void A_name_declared_twice_is_named_whatever_its_case()
    {
        var errors = ConfigValidator.Validate([Valid, Valid with { Name = "ORDERS" }], Root);
        Assert.Equal($"{Root}:ORDERS: is declared twice (names are case-insensitive)", Assert.Single(errors).ToString());
    }

    [Theory]
    [InlineData("Severity", "header:ETag", "fatal")]
    [InlineData("ArrayKeys", "$.orders", "a b")]
    public void A_bad_pattern_map_entry_is_named_by_its_pattern(string map, string pattern, string value)
    {
        var entry = new Dictionary<string, string> { [pattern] = value };
        var diff = map == "Severity" ? new DiffOptions { Severity = entry } : new DiffOptions { ArrayKeys = entry };
        var error = Assert.Single(ConfigValidator.Validate([Valid with { Diff = diff }], Root));
        Assert.Equal($"{M}:Diff:{map}:{pattern}", error.Key);
    }

    [Fact]
    public void A_path_that_does_not_compile_is_named_by_its_index()
    {
        var error = Assert.Single(ConfigValidator.Validate([Valid with { Diff = new DiffOptions { IgnoreJsonPaths = ["$.a["] } }], Root));
        Assert.Equal($"{M}:Diff:IgnoreJsonPaths[0]", error.Key);
        Assert.DoesNotContain("[0]: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_is_reported_in_one_run()
    {
        var errors = ConfigValidator.Validate([Valid with { Routes = [], Shadow = new ShadowOptions { SamplePercent = 150 }, Replay = new ReplayOptions { PerEndpoint = -1 } }], Root);
        Assert.Equal([$"{M}:Routes", $"{M}:Shadow:SamplePercent", $"{M}:Replay:PerEndpoint"], errors.Select(e => e.Key));
    }

    private static BackendOptions Backend(string address) => new() { Address = new Uri(address, UriKind.RelativeOrAbsolute) };

    private static BackendOptions Cluster(string clusterId) => new() { ClusterId = clusterId };

    private static StageOptions Stage(string name, decimal weight) => new() { Name = name, Weight = weight };

    private static RampOptions Stages(params StageOptions[] stages) => new() { Stages = stages };

    private static RampOptions Gates(GateOptions gates) => new() { Gates = gates };
}
