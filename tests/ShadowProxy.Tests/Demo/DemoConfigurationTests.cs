using Microsoft.Extensions.Configuration;
using ShadowProxy.Demo;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Demo;

public sealed class DemoConfigurationTests
{
    private const string Migration = "ShadowProxy:Migrations:orders:";

    private static readonly Uri Legacy = new("http://127.0.0.1:9001/");
    private static readonly Uri Candidate = new("http://127.0.0.1:9002/");

    [Fact]
    public void Embedded_UsesTheSpecKeysAndTheGivenBackends()
    {
        var configuration = Build(Legacy, Candidate);

        Assert.Equal("http://127.0.0.1:8080", configuration["ShadowProxy:Listen:0"]);
        Assert.Equal("http://127.0.0.1:8081", configuration["ShadowProxy:Admin:Listen"]);
        Assert.Empty(configuration.GetSection("ShadowProxy:Admin:ApiKeys").GetChildren());
        Assert.Equal("Sqlite", configuration["ShadowProxy:Store:Provider"]);
        Assert.Equal("data/shadowproxy.db", configuration["ShadowProxy:Store:Sqlite:Path"]);

        Assert.Equal("/api/catalog/products/{sku}", configuration[Migration + "Routes:0:Path"]);
        Assert.Equal("/api/{**rest}", configuration[Migration + "Routes:1:Path"]);
        Assert.Equal("X-App-Version", configuration[Migration + "Candidate:VersionHeader"]);
        Assert.Equal("http://127.0.0.1:9001", configuration[Migration + "Legacy:Address"]);
        Assert.Equal("http://127.0.0.1:9002", configuration[Migration + "Candidate:Address"]);
        Assert.Equal("Header:X-User-Id", configuration[Migration + "Cohort:From"]);
        Assert.Equal(["$.meta.requestId", "$.version"], Values(configuration, Migration + "Diff:IgnoreJsonPaths"));

        // The timestamp is left to the noise probe, and the diff-rate gate is a real one (docs/comparison.md#the-noise-probe).
        Assert.Equal("true", configuration[Migration + "Diff:NoiseProbe:Enabled"]);
        Assert.Equal("0.02", configuration[Migration + "Ramp:Gates:MaxDiffRate"]);
        Assert.Equal(["Date", "Server"], Values(configuration, Migration + "Diff:IgnoreHeaders"));
        Assert.Equal(["$.customer.email", "$.email"], Values(configuration, Migration + "Redact:JsonPaths"));
        Assert.Equal("00:00:20", configuration[Migration + "Ramp:Gates:Window"]);
        Assert.Equal("50", configuration[Migration + "Ramp:Gates:MinSamples"]);
    }

    [Fact]
    public void Embedded_RampIsFastNonDecreasingAndEndsOwned()
    {
        var stages = Build(Legacy, Candidate).GetSection(Migration + "Ramp:Stages").GetChildren().ToList();

        Assert.Equal(["shadow", "canary", "early", "quarter", "shared", "new-leads", "owned"], stages.Select(s => s["Name"]));
        var weights = stages.Select(s => decimal.Parse(s["Weight"]!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(weights.Order(), weights);
        Assert.Equal(0m, weights[0]);
        Assert.Equal(100m, weights[^1]);
        Assert.Equal("false", stages[^1]["Shadow"]);

        // Every stage but the last waits at most a few minutes, so a newcomer sees the ramp move.
        Assert.All(stages.SkipLast(1), s => Assert.InRange(TimeSpan.Parse(s["MinDuration"]!, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void DemoJson_MatchesTheEmbeddedConfiguration()
    {
        var file = Path.Combine(RepositoryFiles.Root(), "config", "demo.json");
        var fromFile = new ConfigurationBuilder().AddJsonFile(file, optional: false, reloadOnChange: false).Build();

        Assert.Equal(Flatten(Build(Legacy, Candidate)), Flatten(fromFile));
    }

    private static IConfigurationRoot Build(Uri legacy, Uri candidate) =>
        new ConfigurationBuilder().AddInMemoryCollection(DemoConfiguration.Create(legacy, candidate)).Build();

    private static List<string?> Values(IConfiguration configuration, string key) =>
        configuration.GetSection(key).GetChildren().Select(c => c.Value).ToList();

    // The JSON provider turns true into "True"; the binder reads either.
    private static List<string> Flatten(IConfiguration configuration) =>
        configuration.AsEnumerable()
            .Where(pair => pair.Value is not null)
            .Select(pair => pair.Key + "=" + (bool.TryParse(pair.Value, out var flag) ? (flag ? "true" : "false") : pair.Value))
            .Order(StringComparer.Ordinal)
            .ToList();
}
