using System.Globalization;

namespace ShadowProxy.Demo;

/// <summary>
/// The embedded configuration of <c>--demo</c> (docs/configuration.md), mirrored by <c>config/demo.json</c>.
/// </summary>
/// <remarks>
/// The ramp is compressed to minutes so that a newcomer sees it move, and every gate is real (docs/comparison.md#what-the-gates-and-counters-count):
/// <list type="bullet">
/// <item><c>$.meta.generatedAt</c> differs on every response; it is not configured away: the noise probe (at 30 %
/// here, so that each endpoint has its 20 pairs within about two minutes) finds it, per endpoint.</item>
/// <item>The candidate's first release (2.0.0-rc.3) renames <c>customerName</c> and spells <c>canceled</c>; its second
/// (2.0.0-rc.4, named in <c>X-App-Version</c>, after 90 s) fixes both, so those rows turn "fixed".</item>
/// <item>What remains real: the candidate's 500 on orders with a legacy coupon (2 % of order reads, under 1 % of
/// all comparisons), below <c>MaxDiffRate</c> 0.02, so the ramp advances while that endpoint keeps a real difference.</item>
/// <item>The error and latency gates stay meaningful: those 500s stay below 0.05, and the slower catalog keeps the
/// p99 ratio near 2.3, below 3.</item>
/// </list>
/// The catalog's product route is declared with its parameter so that probe pairs of all products count for one endpoint.
/// </remarks>
internal static class DemoConfiguration
{
    public const string MigrationName = "orders";

    public static readonly Uri ProxyAddress = new("http://127.0.0.1:8080");
    public static readonly Uri AdminAddress = new("http://127.0.0.1:8081");

    private const string Migration = "ShadowProxy:Migrations:" + MigrationName + ":";

    private static readonly (string Name, decimal Weight, string? MinDuration)[] Stages =
    [
        ("shadow", 0, "00:00:20"),
        ("canary", 1, "00:00:20"),
        ("early", 5, "00:00:30"),
        ("quarter", 25, "00:01:00"),
        ("shared", 50, "00:02:00"),
        ("new-leads", 100, "00:05:00"),
        ("owned", 100, null),
    ];

    /// <summary>Configuration keys and values in <c>Section:Key</c> form, for an in-memory configuration source.</summary>
    public static IReadOnlyList<KeyValuePair<string, string?>> Create(Uri legacyAddress, Uri candidateAddress)
    {
        ArgumentNullException.ThrowIfNull(legacyAddress);
        ArgumentNullException.ThrowIfNull(candidateAddress);

        var settings = new List<KeyValuePair<string, string?>>();
        void Set(string key, string value) => settings.Add(new(key, value));
        void SetList(string key, params string[] values)
        {
            for (var i = 0; i < values.Length; i++)
            {
                Set(key + ":" + Index(i), values[i]);
            }
        }

        SetList("ShadowProxy:Listen", Origin(ProxyAddress));
        Set("ShadowProxy:Admin:Listen", Origin(AdminAddress)); // no ApiKeys: open, and loopback only (docs/admin-api.md#roles-and-keys)
        Set("ShadowProxy:Store:Provider", "Sqlite");
        Set("ShadowProxy:Store:Sqlite:Path", "data/shadowproxy.db");

        Set(Migration + "Routes:0:Path", "/api/catalog/products/{sku}");
        Set(Migration + "Routes:1:Path", "/api/{**rest}");
        Set(Migration + "Legacy:Address", Origin(legacyAddress));
        Set(Migration + "Candidate:Address", Origin(candidateAddress));
        Set(Migration + "Candidate:VersionHeader", DemoBackendProfile.VersionHeader);
        Set(Migration + "Shadow:Enabled", "true");
        Set(Migration + "Shadow:SamplePercent", "100");
        Set(Migration + "Shadow:Timeout", "00:00:05");
        SetList(Migration + "Diff:IgnoreHeaders", "Date", "Server");
        SetList(Migration + "Diff:IgnoreJsonPaths", "$.meta.requestId", "$.version");
        Set(Migration + "Diff:NoiseProbe:Enabled", "true");
        Set(Migration + "Diff:NoiseProbe:SamplePercent", "30");
        Set(Migration + "Diff:NoiseProbe:MinPairs", "20");
        Set(Migration + "Diff:NoiseProbe:Threshold", "0.5");
        SetList(Migration + "Redact:Headers", "Authorization", "Cookie", "Set-Cookie");
        SetList(Migration + "Redact:JsonPaths", "$.customer.email", "$.email");
        Set(Migration + "Cohort:From", "Header:" + DemoTrafficMix.UserIdHeader);

        for (var i = 0; i < Stages.Length; i++)
        {
            var (name, weight, minDuration) = Stages[i];
            var stage = Migration + "Ramp:Stages:" + Index(i) + ":";
            Set(stage + "Name", name);
            Set(stage + "Weight", weight.ToString(CultureInfo.InvariantCulture));
            if (minDuration is null)
            {
                Set(stage + "Shadow", "false"); // the last stage: the candidate owns the traffic
            }
            else
            {
                Set(stage + "MinDuration", minDuration);
            }
        }

        Set(Migration + "Ramp:AutoAdvance", "true");
        Set(Migration + "Ramp:AutomaticRollback", "true");
        Set(Migration + "Ramp:Gates:Window", "00:00:20");
        Set(Migration + "Ramp:Gates:MinSamples", "50");
        Set(Migration + "Ramp:Gates:MaxDiffRate", "0.02");
        Set(Migration + "Ramp:Gates:MaxErrorRateIncrease", "0.05");
        Set(Migration + "Ramp:Gates:MaxP99LatencyRatio", "3");
        Set(Migration + "Failover:Enabled", "true");

        // YARP and HttpClient log every request at Information; at 20 requests/s that would bury the demo's own logs.
        Set("Logging:LogLevel:Yarp", "Warning");
        Set("Logging:LogLevel:Microsoft.AspNetCore", "Warning");
        Set("Logging:LogLevel:System.Net.Http.HttpClient", "Warning");
        return settings;
    }

    /// <summary><c>http://127.0.0.1:9001</c>: the form the configuration uses, without the trailing slash.</summary>
    private static string Origin(Uri address) => address.GetLeftPart(UriPartial.Authority);

    private static string Index(int i) => i.ToString(CultureInfo.InvariantCulture);
}
