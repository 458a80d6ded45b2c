using System.Globalization;
using Microsoft.Extensions.Configuration;
using ShadowProxy.Configuration;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Metrics;
using ShadowProxy.Migrations;
using ShadowProxy.Proxy;
using ShadowProxy.Shadow;
using Yarp.ReverseProxy.Configuration;

namespace ShadowProxy.Tests.Hardening;

/// <summary>
/// Random key/value trees under <c>ShadowProxy:</c> (a valid configuration, mutated: known keys given
/// random values, keys removed, unknown keys and sections added, array gaps): the reader always returns
/// either options or errors naming keys, never throws; and options it accepts always build a running
/// migration (registry, YARP routes and clusters, failover pipeline, shadow and forwarder timeouts).
/// Seeded and deterministic; <c>FUZZ_SECONDS=N</c> runs it for N seconds with fresh seeds instead.
/// </summary>
public sealed class ConfigReaderFuzzTests
{
    private const string M = "ShadowProxy:Migrations:orders:";

    private static readonly string[] Keys =
    [
        "ShadowProxy:Listen:0", "ShadowProxy:Admin:Listen", "ShadowProxy:Admin:ApiKeys:0:Name", "ShadowProxy:Admin:ApiKeys:0:Role", "ShadowProxy:Admin:ApiKeys:0:Key",
        "ShadowProxy:Store:Provider", "ShadowProxy:Store:Sqlite:Path", "ShadowProxy:Store:SamplesPerPath", "ShadowProxy:Store:MaxSamplesPerMigration",
        "ShadowProxy:Store:MaxPathsPerMigration", "ShadowProxy:Store:MaxAuditEntries",
        "ShadowProxy:Limits:MaxRequestBodyBytes", "ShadowProxy:Limits:MaxRequestHeadersTotalBytes", "ShadowProxy:Limits:MaxRequestLineBytes",
        "ShadowProxy:Limits:RequestHeadersTimeout", "ShadowProxy:Limits:DrainTimeout",
        M + "Routes:0:Path", M + "Routes:0:Methods:0", M + "Routes:1:Path", M + "Routes:0:Headers:0:Name", M + "Routes:0:Hosts:0",
        M + "Legacy:Address", M + "Legacy:Timeout", M + "Candidate:Address", M + "Candidate:Timeout",
        M + "Shadow:Enabled", M + "Shadow:SamplePercent", M + "Shadow:Methods:0", M + "Shadow:Methods:3", M + "Shadow:MaxBodyBytes", M + "Shadow:Timeout", M + "Shadow:MaxInFlight",
        M + "Diff:IgnoreHeaders:0", M + "Diff:IgnoreJsonPaths:0", M + "Diff:UnorderedArrays:0", M + "Diff:NumericTolerance", M + "Diff:MaxDecodedBytes", M + "Diff:MaxDifferences",
        M + "Redact:Headers:0", M + "Redact:JsonPaths:0", M + "Cohort:From",
        M + "Ramp:Stages:0:Name", M + "Ramp:Stages:0:Weight", M + "Ramp:Stages:0:MinDuration", M + "Ramp:Stages:0:Shadow",
        M + "Ramp:Stages:1:Name", M + "Ramp:Stages:1:Weight", M + "Ramp:Stages:7:Weight", M + "Ramp:AutoAdvance", M + "Ramp:AutomaticRollback",
        M + "Ramp:Gates:Window", M + "Ramp:Gates:MinSamples", M + "Ramp:Gates:MaxDiffRate", M + "Ramp:Gates:MaxErrorRateIncrease", M + "Ramp:Gates:MaxP99LatencyRatio",
        M + "Failover:Enabled", M + "Failover:BreakerFailureRatio", M + "Failover:BreakerMinimumThroughput",
        M + "Failover:BreakerSamplingDuration", M + "Failover:BreakerBreakDuration",
    ];

    private static readonly string[] Values =
    [
        "", " ", "0", "1", "-1", "2", "100", "100.5", "12.345", "1e308", "-1e308", "NaN", "Infinity", "2147483648", "9223372036854775808", "0x10",
        "true", "false", "TRUE", "yes", "00:00:00", "00:00:00.0000001", "00:00:00.001", "00:00:00.1", "00:00:00.5", "00:00:01", "00:00:05", "01:00:00", "1.00:00:00",
        "2.00:00:00", "30.00:00:00", "60.00:00:00", "10675199.02:48:05.4775807", "-00:00:01", "25:00:00", "abc", "http://127.0.0.1:9001",
        "http://127.0.0.1:9002/", "https://[::1]:1/", "ftp://x/", "http://a/?q=1", "/api/{**rest}", "/", "api", "/{", "$", "$.a", "$..b", "$[*]", "$.a[",
        "Header:X-User-Id", "Cookie:", "ClientIp", "Random", "Operator", "Viewer", "Sqlite", "Redis", "GET", "G E T", "\u00e9\u4e2d", new string('x', 300),
        "0123456789abcdef0123456789abcdef", "-0", "0.001", "0.5", "1.0000001",
    ];

    [Fact]
    public void Any_tree_yields_options_or_errors_and_accepted_options_always_build() =>
        Fuzz(seed => Check(Mutate(new Random(seed))));

    [Fact]
    public void A_breaker_duration_polly_refuses_is_a_configuration_error_not_a_start_up_crash()
    {
        foreach (var (key, value) in new[] { ("BreakerSamplingDuration", "00:00:00.1"), ("BreakerBreakDuration", "00:00:00.001"), ("BreakerBreakDuration", "2.00:00:00") })
        {
            var tree = Base();
            tree[M + "Failover:" + key] = value;
            var options = ConfigReader.Read(Build(tree), out var errors);
            Assert.Null(options);
            Assert.Contains(errors, e => e.Key == $"{M}Failover:{key}");
        }
    }

    [Fact]
    public void A_timeout_too_long_for_a_timer_is_a_configuration_error_not_a_leaked_shadow_slot()
    {
        foreach (var key in new[] { "Shadow:Timeout", "Candidate:Timeout", "Legacy:Timeout" })
        {
            var tree = Base();
            tree[M + key] = "60.00:00:00";
            var options = ConfigReader.Read(Build(tree), out var errors);
            Assert.Null(options);
            Assert.Contains(errors, e => e.Key == M + key);
        }
    }

    [Theory]
    [InlineData("00:00:00.0000001")]
    [InlineData("00:00:00.5")]
    [InlineData("60.00:00:00")]
    public void A_gate_window_the_gate_ring_cannot_hold_is_a_configuration_error_not_a_start_up_crash(string window)
    {
        var tree = Base();
        tree[M + "Ramp:Gates:Window"] = window;
        var options = ConfigReader.Read(Build(tree), out var errors);
        Assert.Null(options);
        Assert.Contains(errors, e => e.Key == M + "Ramp:Gates:Window");
    }

    private static void Check(Dictionary<string, string?> tree)
    {
        var configuration = Build(tree);
        var options = ConfigReader.Read(configuration, out var errors);
        if (options is null)
        {
            Assert.NotEmpty(errors);
            Assert.All(errors, e => Assert.StartsWith("ShadowProxy", e.Key));
            Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Message)));
            return;
        }

        Assert.Empty(errors);

        // What start-up and the data path do with the options: none of it may throw.
        var registry = new MigrationRegistry(options, new ProxyMetrics(), TimeProvider.System);
        Assert.Equal(options.Migrations.Count, registry.All.Count);
        Assert.NotEmpty(MigrationProxyConfig.Routes(options));
        Assert.Equal(2 * options.Migrations.Count, MigrationProxyConfig.Clusters(options).Count);
        foreach (var migration in options.Migrations)
        {
            using (new CancellationTokenSource(migration.Shadow.Timeout, TimeProvider.System))
            using (var activity = new CancellationTokenSource())
            {
                // YARP arms each forwarded request's activity timeout with CancelAfter.
                activity.CancelAfter(migration.Candidate!.Timeout ?? BackendOptions.DefaultTimeout);
                activity.CancelAfter(migration.Legacy.Timeout ?? BackendOptions.DefaultTimeout);
            }

            using var clients = new ShadowHttpClients(TimeProvider.System);
            clients.Get(HttpClientConfig.Empty, migration.Shadow.MaxInFlight);
        }
    }

    private static IConfiguration Build(Dictionary<string, string?> tree) => new ConfigurationBuilder().AddInMemoryCollection(tree).Build();

    private static Dictionary<string, string?> Base() => new()
    {
        [M + "Routes:0:Path"] = "/api/{**rest}",
        [M + "Legacy:Address"] = "http://127.0.0.1:9001",
        [M + "Candidate:Address"] = "http://127.0.0.1:9002",
    };

    private static Dictionary<string, string?> Mutate(Random random)
    {
        var tree = Base();
        var mutations = random.Next(1, 8);
        for (var i = 0; i < mutations; i++)
        {
            var key = Keys[random.Next(Keys.Length)];
            switch (random.Next(10))
            {
                case 0:
                    tree.Remove(key);
                    break;
                case 1:
                    // A section where a value is expected.
                    tree.Remove(key);
                    tree[key + ":Nested"] = Values[random.Next(Values.Length)];
                    break;
                case 2:
                    tree[key.Replace("orders", random.Next(3) == 0 ? "bad name!" : "orders2")] = Values[random.Next(Values.Length)];
                    break;
                case 3:
                    tree[$"ShadowProxy:Unknown{random.Next(3)}:{(char)('a' + random.Next(26))}"] = "x";
                    break;
                default:
                    tree[key] = Values[random.Next(Values.Length)];
                    break;
            }
        }

        return tree;
    }

    /// <summary>Runs <paramref name="property"/> on 2000 fixed seeds, or on fresh seeds for FUZZ_SECONDS seconds; a failure names its seed.</summary>
    internal static void Fuzz(Action<int> property)
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SECONDS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : 0;
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        var seeds = seconds > 0 ? Enumerable.Range(0, int.MaxValue).Select(_ => Random.Shared.Next()) : Enumerable.Range(0, 2000);
        var runs = 0;
        foreach (var seed in seeds)
        {
            if (seconds > 0 && DateTime.UtcNow > deadline)
            {
                break;
            }

            try
            {
                property(seed);
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"seed {seed} (after {runs} runs): {ex.GetType().Name}: {ex.Message}");
            }

            runs++;
        }
    }
}
