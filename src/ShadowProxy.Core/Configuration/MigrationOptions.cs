namespace ShadowProxy.Core.Configuration;

public sealed record MigrationOptions
{
    /// <summary>The migration's key under <c>Migrations</c>.</summary>
    [SectionName]
    public required string Name { get; init; }

    [RequiredKey("at least one route, e.g. { \"Path\": \"/api/orders/{**rest}\" }")]
    public required IReadOnlyList<RouteMatchOptions> Routes { get; init; }

    [RequiredKey(BackendOptions.Hint)]
    public required BackendOptions Legacy { get; init; }

    /// <summary>The new backend; null makes the migration an audit (docs/configuration.md#audit): legacy serves, nothing is mirrored.</summary>
    public BackendOptions? Candidate { get; init; }

    /// <summary>True without a candidate: the proxy only builds the endpoint inventory.</summary>
    public bool IsAudit => Candidate is null;

    public ShadowOptions Shadow { get; init; } = new();

    public DiffOptions Diff { get; init; } = new();

    public RedactOptions Redact { get; init; } = new();

    public CohortOptions Cohort { get; init; } = new();

    public RampOptions Ramp { get; init; } = new();

    public FailoverOptions Failover { get; init; } = new();

    public ReplayOptions Replay { get; init; } = new();

    public EndpointsOptions Endpoints { get; init; } = new();
}

/// <summary>A YARP route match: path template plus optional methods, hosts and headers.</summary>
public sealed record RouteMatchOptions
{
    [RequiredKey("a YARP path template, e.g. /api/orders/{**rest}")]
    public required string Path { get; init; }

    public IReadOnlyList<string>? Methods { get; init; }

    public IReadOnlyList<string>? Hosts { get; init; }

    public IReadOnlyList<HeaderMatchOptions>? Headers { get; init; }
}

public sealed record HeaderMatchOptions
{
    [RequiredKey("a header name")]
    public required string Name { get; init; }

    public IReadOnlyList<string>? Values { get; init; }
}

public sealed record BackendOptions
{
    internal const string Hint = "an object with an Address, e.g. { \"Address\": \"http://127.0.0.1:9001\" }";

    [RequiredKey("an absolute URL, e.g. http://127.0.0.1:9001")]
    public required Uri Address { get; init; }

    /// <summary>Time allowed for the backend to start answering when it is the primary.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>Candidate only: the response header that names the candidate's version (docs/comparison.md#candidate-versions), or null.</summary>
    public string? VersionHeader { get; init; }
}

public sealed record ShadowOptions
{
    public static readonly IReadOnlyList<string> DefaultMethods = ["GET", "HEAD", "OPTIONS"];

    public bool Enabled { get; init; } = true;

    public double SamplePercent { get; init; } = 100;

    public IReadOnlyList<string> Methods { get; init; } = DefaultMethods;

    public long MaxBodyBytes { get; init; } = 1024 * 1024;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The ceiling of shadows in flight; with <see cref="Adaptive"/> off, the limit itself.</summary>
    public int MaxInFlight { get; init; } = 512;

    /// <summary>The floor of the adaptive limit (docs/configuration.md#shadow), so that comparisons never stop entirely.</summary>
    public int MinInFlight { get; init; } = 1;

    /// <summary>The limit follows what live traffic can spare (docs/configuration.md#shadow), between <see cref="MinInFlight"/> and <see cref="MaxInFlight"/>.</summary>
    public bool Adaptive { get; init; } = true;
}

public sealed record DiffOptions
{
    public IReadOnlyList<string> IgnoreHeaders { get; init; } = ["Date", "Server"];

    public IReadOnlyList<string> IgnoreJsonPaths { get; init; } = [];

    public IReadOnlyList<string> UnorderedArrays { get; init; } = [];

    /// <summary>Absolute tolerance for numbers: |a − b| ≤ tolerance is equal.</summary>
    public double NumericTolerance { get; init; }

    /// <summary>Cap on a body after Content-Encoding is decoded; larger bodies are "too large to compare".</summary>
    public long MaxDecodedBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>Cap on the differences reported for one pair (per-index array differences included).</summary>
    public int MaxDifferences { get; init; } = 100;

    /// <summary>
    /// Severity overrides (docs/comparison.md#severity): difference path pattern → <c>breaking</c>, <c>risky</c> or <c>cosmetic</c>,
    /// e.g. <c>{"header:ETag": "risky", "$.meta.*": "cosmetic"}</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string> Severity { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Identity keys of array elements per array path pattern (docs/comparison.md#arrays), e.g. <c>{"$.orders": "orderNo"}</c>;
    /// arrays not listed match object elements by <c>id</c>, <c>Id</c> or <c>key</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string> ArrayKeys { get; init; } = new Dictionary<string, string>();

    public NoiseProbeOptions NoiseProbe { get; init; } = new();
}

/// <summary>The noise probe (docs/comparison.md#the-noise-probe): a sampled second copy of safe requests to legacy, to learn where legacy disagrees with itself.</summary>
public sealed record NoiseProbeOptions
{
    public bool Enabled { get; init; } = true;

    /// <summary>Percentage of the shadowed safe requests probed (0..100).</summary>
    public double SamplePercent { get; init; } = 2;

    /// <summary>A second legacy instance to probe; null probes the legacy backend itself.</summary>
    [SecretValue]
    public Uri? Address { get; init; }

    /// <summary>Probe pairs an endpoint needs before any of its paths is probe noise.</summary>
    public int MinPairs { get; init; } = 20;

    /// <summary>Share of an endpoint's last probe pairs in which a path must differ to be probe noise (0..1).</summary>
    public double Threshold { get; init; } = 0.5;
}

public sealed record RedactOptions
{
    /// <summary>Always redacted, whatever the configuration says.</summary>
    public static readonly IReadOnlyList<string> AlwaysRedactedHeaders = ["Authorization", "Cookie", "Set-Cookie", "Proxy-Authorization"];

    public IReadOnlyList<string> Headers { get; init; } = ["Authorization", "Cookie", "Set-Cookie"];

    public IReadOnlyList<string> JsonPaths { get; init; } = [];
}

public enum CohortSourceKind
{
    Random,
    Header,
    Cookie,
    ClientIp,
}

public sealed record CohortOptions
{
    public CohortSourceKind Source { get; init; } = CohortSourceKind.Random;

    /// <summary>The header or cookie name for <see cref="CohortSourceKind.Header"/> and <see cref="CohortSourceKind.Cookie"/>.</summary>
    public string? Name { get; init; }

    /// <summary>Parses the configuration form <c>Header:NAME | Cookie:NAME | ClientIp | Random</c>.</summary>
    public static bool TryParse(string? text, out CohortOptions options, out string error)
    {
        options = new CohortOptions();
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text) || text.Equals("Random", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (text.Equals("ClientIp", StringComparison.OrdinalIgnoreCase))
        {
            options = new CohortOptions { Source = CohortSourceKind.ClientIp };
            return true;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0)
        {
            var kind = text[..colon];
            var name = text[(colon + 1)..].Trim();
            if (name.Length == 0)
            {
                error = $"'{text}' names no {kind.ToLowerInvariant()}";
                return false;
            }

            if (kind.Equals("Header", StringComparison.OrdinalIgnoreCase))
            {
                options = new CohortOptions { Source = CohortSourceKind.Header, Name = name };
                return true;
            }

            if (kind.Equals("Cookie", StringComparison.OrdinalIgnoreCase))
            {
                options = new CohortOptions { Source = CohortSourceKind.Cookie, Name = name };
                return true;
            }
        }

        error = $"'{text}' is not one of Header:NAME, Cookie:NAME, ClientIp, Random";
        return false;
    }

    public override string ToString() => Source switch
    {
        CohortSourceKind.Header => "Header:" + Name,
        CohortSourceKind.Cookie => "Cookie:" + Name,
        _ => Source.ToString(),
    };
}

public sealed record RampOptions
{
    public static readonly IReadOnlyList<StageOptions> DefaultStages =
    [
        new() { Name = "shadow", Weight = 0, MinDuration = TimeSpan.FromMinutes(10) },
        new() { Name = "canary", Weight = 1, MinDuration = TimeSpan.FromMinutes(10) },
        new() { Name = "early", Weight = 5, MinDuration = TimeSpan.FromMinutes(30) },
        new() { Name = "quarter", Weight = 25, MinDuration = TimeSpan.FromHours(1) },
        new() { Name = "shared", Weight = 50, MinDuration = TimeSpan.FromHours(4) },
        new() { Name = "new-leads", Weight = 100, MinDuration = TimeSpan.FromDays(1) },
        new() { Name = "owned", Weight = 100, Shadow = false },
    ];

    public IReadOnlyList<StageOptions> Stages { get; init; } = DefaultStages;

    public bool AutoAdvance { get; init; } = true;

    public GateOptions Gates { get; init; } = new();

    public bool AutomaticRollback { get; init; } = true;
}

public sealed record StageOptions
{
    [RequiredKey("a stage name")]
    public required string Name { get; init; }

    /// <summary>Percentage of cohorts served by the candidate, 0..100 with up to two decimals.</summary>
    [RequiredKey("a percentage from 0 to 100")]
    public decimal Weight { get; init; }

    public TimeSpan MinDuration { get; init; }

    /// <summary>Whether requests are mirrored to the other backend during this stage.</summary>
    public bool Shadow { get; init; } = true;
}

public sealed record GateOptions
{
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(1);

    public int MinSamples { get; init; } = 200;

    public double MaxDiffRate { get; init; } = 0.01;

    public double MaxErrorRateIncrease { get; init; } = 0.005;

    public double MaxP99LatencyRatio { get; init; } = 1.5;

    /// <summary>
    /// The least severity a difference needs to count in the diff-rate gate (docs/comparison.md#what-the-gates-and-counters-count): with the default, a
    /// comparison whose only differences are cosmetic headers does not hold a ramp back.
    /// </summary>
    public Diff.DiffSeverity DiffSeverity { get; init; } = Diff.DiffSeverity.Risky;
}

public sealed record FailoverOptions
{
    public bool Enabled { get; init; } = true;

    /// <summary>Failure ratio of candidate-primary requests that opens the circuit.</summary>
    public double BreakerFailureRatio { get; init; } = 0.5;

    /// <summary>Requests needed in the sampling window before the circuit may open.</summary>
    public int BreakerMinimumThroughput { get; init; } = 20;

    public TimeSpan BreakerSamplingDuration { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan BreakerBreakDuration { get; init; } = TimeSpan.FromSeconds(30);
}
