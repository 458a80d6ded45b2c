using System.Globalization;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Notifications;
using ShadowProxy.Core.Text;

namespace ShadowProxy.Configuration;

/// <summary>
/// Reads the <c>ShadowProxy</c> section into <see cref="ShadowProxyOptions"/> by hand rather than with the
/// configuration binder: every value that does not parse, every unknown key and every missing required
/// key becomes a <see cref="ConfigError"/> naming the full key, and collection defaults are replaced,
/// never appended to.
/// </summary>
internal sealed class ConfigReader
{
    private readonly List<ConfigError> _errors = [];

    private ConfigReader()
    {
    }

    public static ShadowProxyOptions? Read(IConfiguration configuration, out IReadOnlyList<ConfigError> errors)
    {
        var reader = new ConfigReader();
        var options = reader.ReadRoot(new Node(configuration.GetSection(ShadowProxyOptions.SectionName), ShadowProxyOptions.SectionName));
        // Semantic checks run even after parse errors, so one run reports every problem; a key the
        // reader already rejected is not reported twice.
        var rejected = reader._errors.Select(e => e.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        reader._errors.AddRange(ConfigValidator.Validate(options).Where(e => !rejected.Any(key => e.Key.StartsWith(key, StringComparison.OrdinalIgnoreCase))));

        errors = reader._errors;
        return errors.Count == 0 ? options : null;
    }

    private ShadowProxyOptions ReadRoot(Node node)
    {
        node.Expect(_errors, "Listen", "Admin", "Store", "Limits", "Tls", "Migrations", "Notifications");
        var tls = node.Child("Tls");
        tls.Expect(_errors, "CertificatePath", "KeyPath", "Password");
        var defaults = new ShadowProxyOptions();
        return new ShadowProxyOptions
        {
            Listen = StringList(node.Child("Listen")) ?? defaults.Listen,
            Admin = ReadAdmin(node.Child("Admin")),
            Store = ReadStore(node.Child("Store")),
            Limits = ReadLimits(node.Child("Limits")),
            Tls = new TlsOptions { CertificatePath = String(tls.Child("CertificatePath")), KeyPath = String(tls.Child("KeyPath")), Password = String(tls.Child("Password")) },
            Migrations = node.Child("Migrations").Children().Select(ReadMigration).ToList(),
            Notifications = ReadNotifications(node.Child("Notifications")),
        };
    }

    private NotificationsOptions ReadNotifications(Node node)
    {
        node.Expect(_errors, "Webhooks");
        return new NotificationsOptions { Webhooks = node.Child("Webhooks").Items().Select(ReadWebhook).ToList() };
    }

    /// <summary>A webhook; its URL may hold a secret (Slack's does), so errors name the key, never the value.</summary>
    private WebhookOptions ReadWebhook(Node node)
    {
        node.Expect(_errors, "Url", "Events", "Format");
        var url = new Uri("http://invalid.invalid/");
        if (Required(node.Child("Url"), "an absolute http:// or https:// URL to POST notifications to"))
        {
            if (Uri.TryCreate(node.Child("Url").Value, UriKind.Absolute, out var parsed) && (parsed.Scheme == Uri.UriSchemeHttp || parsed.Scheme == Uri.UriSchemeHttps))
            {
                url = parsed;
            }
            else
            {
                _errors.Add(new(node.Child("Url").Path, "is not an absolute http:// or https:// URL"));
            }
        }

        var events = new List<NotificationEvent>();
        var names = StringList(node.Child("Events"));
        for (var i = 0; names is not null && i < names.Count; i++)
        {
            if (NotificationEvents.TryParse(names[i], out var value))
            {
                events.Add(value);
            }
            else
            {
                _errors.Add(new($"{node.Child("Events").Path}[{i}]", $"'{names[i]}' is not an event; use {string.Join(", ", NotificationEvents.All)}"));
            }
        }

        return new WebhookOptions
        {
            Url = url,
            Events = names is null ? new WebhookOptions { Url = url }.Events : events.Distinct().ToList(),
            Format = Enum(node.Child("Format"), WebhookFormat.Json),
        };
    }

    private AdminOptions ReadAdmin(Node node)
    {
        node.Expect(_errors, "Listen", "ApiKeys");
        var defaults = new AdminOptions();
        return new AdminOptions
        {
            Listen = String(node.Child("Listen")) ?? defaults.Listen,
            ApiKeys = node.Child("ApiKeys").Items().Select(ReadApiKey).ToList(),
        };
    }

    private ApiKeyOptions ReadApiKey(Node node)
    {
        node.Expect(_errors, "Name", "Role", "Key", "KeySha256");
        return new ApiKeyOptions
        {
            Name = String(node.Child("Name")) ?? string.Empty,
            Role = Enum(node.Child("Role"), AdminRole.Viewer),
            Key = String(node.Child("Key")),
            KeySha256 = String(node.Child("KeySha256"))?.ToLowerInvariant(),
        };
    }

    private StoreOptions ReadStore(Node node)
    {
        node.Expect(_errors, "Provider", "Sqlite", "Redis", "SamplesPerPath", "MaxSamplesPerMigration", "MaxPathsPerMigration", "MaxAuditEntries");
        var defaults = new StoreOptions();
        var sqlite = node.Child("Sqlite");
        sqlite.Expect(_errors, "Path");
        var redis = node.Child("Redis");
        redis.Expect(_errors, "Configuration", "KeyPrefix");
        var provider = Enum(node.Child("Provider"), defaults.Provider);
        var redisConfiguration = String(redis.Child("Configuration")) ?? defaults.Redis.Configuration;
        if (provider == StoreProvider.Redis)
        {
            try
            {
                StackExchange.Redis.ConfigurationOptions.Parse(redisConfiguration);
            }
            catch (ArgumentException ex)
            {
                _errors.Add(new(redis.Child("Configuration").Path, $"'{redisConfiguration}' is not a Redis configuration string (host:port[,option=value...]): {ex.Message}"));
            }
        }

        return new StoreOptions
        {
            Provider = provider,
            Sqlite = new SqliteStoreOptions { Path = String(sqlite.Child("Path")) ?? defaults.Sqlite.Path },
            Redis = new RedisStoreOptions
            {
                Configuration = redisConfiguration,
                KeyPrefix = String(redis.Child("KeyPrefix")) ?? defaults.Redis.KeyPrefix,
            },
            SamplesPerPath = Int(node.Child("SamplesPerPath")) ?? defaults.SamplesPerPath,
            MaxSamplesPerMigration = Int(node.Child("MaxSamplesPerMigration")) ?? defaults.MaxSamplesPerMigration,
            MaxPathsPerMigration = Int(node.Child("MaxPathsPerMigration")) ?? defaults.MaxPathsPerMigration,
            MaxAuditEntries = Int(node.Child("MaxAuditEntries")) ?? defaults.MaxAuditEntries,
        };
    }

    private LimitsOptions ReadLimits(Node node)
    {
        node.Expect(_errors, "MaxRequestBodyBytes", "MaxRequestHeadersTotalBytes", "MaxRequestLineBytes", "RequestHeadersTimeout", "DrainTimeout");
        var defaults = new LimitsOptions();
        return new LimitsOptions
        {
            MaxRequestBodyBytes = Long(node.Child("MaxRequestBodyBytes")) ?? defaults.MaxRequestBodyBytes,
            MaxRequestHeadersTotalBytes = Int(node.Child("MaxRequestHeadersTotalBytes")) ?? defaults.MaxRequestHeadersTotalBytes,
            MaxRequestLineBytes = Int(node.Child("MaxRequestLineBytes")) ?? defaults.MaxRequestLineBytes,
            RequestHeadersTimeout = Duration(node.Child("RequestHeadersTimeout")) ?? defaults.RequestHeadersTimeout,
            DrainTimeout = Duration(node.Child("DrainTimeout")) ?? defaults.DrainTimeout,
        };
    }

    private MigrationOptions ReadMigration(Node node)
    {
        node.Expect(_errors, "Routes", "Legacy", "Candidate", "Shadow", "Diff", "Redact", "Cohort", "Ramp", "Failover", "Replay", "Endpoints");
        var cohortNode = node.Child("Cohort");
        cohortNode.Expect(_errors, "From");
        var cohort = new CohortOptions();
        var from = String(cohortNode.Child("From"));
        if (from is not null && !CohortOptions.TryParse(from, out cohort, out var cohortError))
        {
            _errors.Add(new(cohortNode.Child("From").Path, cohortError));
        }

        return new MigrationOptions
        {
            Name = node.Name,
            Routes = Required(node.Child("Routes"), "at least one route, e.g. { \"Path\": \"/api/orders/{**rest}\" }")
                ? node.Child("Routes").Items().Select(ReadRoute).ToList()
                : [],
            Legacy = ReadBackend(node.Child("Legacy")),
            Candidate = node.Child("Candidate").Exists ? ReadBackend(node.Child("Candidate")) : null,
            Shadow = ReadShadow(node.Child("Shadow")),
            Diff = ReadDiff(node.Child("Diff")),
            Redact = ReadRedact(node.Child("Redact")),
            Cohort = cohort,
            Ramp = ReadRamp(node.Child("Ramp")),
            Failover = ReadFailover(node.Child("Failover")),
            Replay = ReadReplay(node.Child("Replay")),
            Endpoints = ReadEndpoints(node.Child("Endpoints")),
        };
    }

    private RouteMatchOptions ReadRoute(Node node)
    {
        node.Expect(_errors, "Path", "Methods", "Hosts", "Headers");
        Required(node.Child("Path"), "a YARP path template, e.g. /api/orders/{**rest}");
        return new RouteMatchOptions
        {
            Path = String(node.Child("Path")) ?? "/",
            Methods = StringList(node.Child("Methods")),
            Hosts = StringList(node.Child("Hosts")),
            Headers = node.Child("Headers").Exists
                ? node.Child("Headers").Items().Select(header =>
                {
                    header.Expect(_errors, "Name", "Values");
                    Required(header.Child("Name"), "a header name");
                    return new HeaderMatchOptions { Name = String(header.Child("Name")) ?? string.Empty, Values = StringList(header.Child("Values")) };
                }).ToList()
                : null,
        };
    }

    private BackendOptions ReadBackend(Node node)
    {
        node.Expect(_errors, "Address", "Timeout", "VersionHeader");
        var placeholder = new Uri("http://invalid.invalid/");
        var address = placeholder;
        if (Required(node, "an object with an Address, e.g. { \"Address\": \"http://127.0.0.1:9001\" }") &&
            Required(node.Child("Address"), "an absolute URL, e.g. http://127.0.0.1:9001"))
        {
            var text = node.Child("Address").Value!;
            if (!Uri.TryCreate(text, UriKind.Absolute, out var parsed) || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps))
            {
                _errors.Add(new(node.Child("Address").Path, $"'{text}' is not an absolute http:// or https:// URL"));
            }
            else
            {
                address = parsed;
            }
        }

        return new BackendOptions { Address = address, Timeout = Duration(node.Child("Timeout")) ?? TimeSpan.FromSeconds(100), VersionHeader = String(node.Child("VersionHeader")) };
    }

    private ShadowOptions ReadShadow(Node node)
    {
        node.Expect(_errors, "Enabled", "SamplePercent", "Methods", "MaxBodyBytes", "Timeout", "MaxInFlight", "MinInFlight", "Adaptive");
        var defaults = new ShadowOptions();
        var maxInFlight = Int(node.Child("MaxInFlight")) ?? defaults.MaxInFlight;
        return new ShadowOptions
        {
            Enabled = Bool(node.Child("Enabled")) ?? defaults.Enabled,
            SamplePercent = Double(node.Child("SamplePercent")) ?? defaults.SamplePercent,
            Methods = StringList(node.Child("Methods"))?.Select(m => m.ToUpperInvariant()).ToList() ?? defaults.Methods,
            MaxBodyBytes = Long(node.Child("MaxBodyBytes")) ?? defaults.MaxBodyBytes,
            Timeout = Duration(node.Child("Timeout")) ?? defaults.Timeout,
            MaxInFlight = maxInFlight,
            // The default floor never exceeds the ceiling: MaxInFlight 0 (no shadows) needs no MinInFlight 0 beside it.
            MinInFlight = Int(node.Child("MinInFlight")) ?? Math.Clamp(defaults.MinInFlight, 0, Math.Max(0, maxInFlight)),
            Adaptive = Bool(node.Child("Adaptive")) ?? defaults.Adaptive,
        };
    }

    private DiffOptions ReadDiff(Node node)
    {
        node.Expect(_errors, "IgnoreHeaders", "IgnoreJsonPaths", "UnorderedArrays", "NumericTolerance", "MaxDecodedBytes", "MaxDifferences", "Severity", "ArrayKeys", "NoiseProbe");
        var defaults = new DiffOptions();
        return new DiffOptions
        {
            IgnoreHeaders = StringList(node.Child("IgnoreHeaders")) ?? defaults.IgnoreHeaders,
            IgnoreJsonPaths = StringList(node.Child("IgnoreJsonPaths")) ?? defaults.IgnoreJsonPaths,
            UnorderedArrays = StringList(node.Child("UnorderedArrays")) ?? defaults.UnorderedArrays,
            NumericTolerance = Double(node.Child("NumericTolerance")) ?? defaults.NumericTolerance,
            MaxDecodedBytes = Long(node.Child("MaxDecodedBytes")) ?? defaults.MaxDecodedBytes,
            MaxDifferences = Int(node.Child("MaxDifferences")) ?? defaults.MaxDifferences,
            Severity = PatternMap(node.Child("Severity")) ?? defaults.Severity,
            ArrayKeys = PatternMap(node.Child("ArrayKeys")) ?? defaults.ArrayKeys,
            NoiseProbe = ReadNoiseProbe(node.Child("NoiseProbe")),
        };
    }

    private NoiseProbeOptions ReadNoiseProbe(Node node)
    {
        node.Expect(_errors, "Enabled", "SamplePercent", "Address", "MinPairs", "Threshold");
        var defaults = new NoiseProbeOptions();
        Uri? address = null;
        if (String(node.Child("Address")) is { Length: > 0 } text)
        {
            if (Uri.TryCreate(text, UriKind.Absolute, out var parsed) && (parsed.Scheme == Uri.UriSchemeHttp || parsed.Scheme == Uri.UriSchemeHttps))
            {
                address = parsed;
            }
            else
            {
                _errors.Add(new(node.Child("Address").Path, "is not an absolute http:// or https:// URL"));
            }
        }

        return new NoiseProbeOptions
        {
            Enabled = Bool(node.Child("Enabled")) ?? defaults.Enabled,
            SamplePercent = Double(node.Child("SamplePercent")) ?? defaults.SamplePercent,
            Address = address,
            MinPairs = Int(node.Child("MinPairs")) ?? defaults.MinPairs,
            Threshold = Double(node.Child("Threshold")) ?? defaults.Threshold,
        };
    }

    /// <summary>
    /// A map keyed by difference path patterns. Configuration splits keys at ':', so <c>"header:ETag"</c> arrives
    /// as section <c>header</c> holding <c>ETag</c>: the pattern is each value's key path below the map, re-joined.
    /// </summary>
    private static Dictionary<string, string>? PatternMap(Node node)
    {
        if (!node.Exists)
        {
            return null;
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        Collect(node, prefix: null);
        return map;

        void Collect(Node section, string? prefix)
        {
            foreach (var child in section.Children())
            {
                var key = prefix is null ? child.Name : prefix + ":" + child.Name;
                if (child.Value is { } value)
                {
                    map[key] = value;
                }
                else
                {
                    Collect(child, key);
                }
            }
        }
    }

    private RedactOptions ReadRedact(Node node)
    {
        node.Expect(_errors, "Headers", "JsonPaths");
        var defaults = new RedactOptions();
        return new RedactOptions
        {
            Headers = StringList(node.Child("Headers")) ?? defaults.Headers,
            JsonPaths = StringList(node.Child("JsonPaths")) ?? defaults.JsonPaths,
        };
    }

    private RampOptions ReadRamp(Node node)
    {
        node.Expect(_errors, "Stages", "AutoAdvance", "Gates", "AutomaticRollback");
        var defaults = new RampOptions();
        var gates = node.Child("Gates");
        gates.Expect(_errors, "Window", "MinSamples", "MaxDiffRate", "MaxErrorRateIncrease", "MaxP99LatencyRatio", "DiffSeverity");
        var gateDefaults = new GateOptions();
        return new RampOptions
        {
            Stages = node.Child("Stages").Exists ? node.Child("Stages").Items().Select(ReadStage).ToList() : defaults.Stages,
            AutoAdvance = Bool(node.Child("AutoAdvance")) ?? defaults.AutoAdvance,
            AutomaticRollback = Bool(node.Child("AutomaticRollback")) ?? defaults.AutomaticRollback,
            Gates = new GateOptions
            {
                Window = Duration(gates.Child("Window")) ?? gateDefaults.Window,
                MinSamples = Int(gates.Child("MinSamples")) ?? gateDefaults.MinSamples,
                MaxDiffRate = Double(gates.Child("MaxDiffRate")) ?? gateDefaults.MaxDiffRate,
                MaxErrorRateIncrease = Double(gates.Child("MaxErrorRateIncrease")) ?? gateDefaults.MaxErrorRateIncrease,
                MaxP99LatencyRatio = Double(gates.Child("MaxP99LatencyRatio")) ?? gateDefaults.MaxP99LatencyRatio,
                DiffSeverity = Parse(gates.Child("DiffSeverity"), (string s, out DiffSeverity v) => DiffSeverities.TryParse(s, out v), DiffSeverities.Accepted) ?? gateDefaults.DiffSeverity,
            },
        };
    }

    private StageOptions ReadStage(Node node)
    {
        node.Expect(_errors, "Name", "Weight", "MinDuration", "Shadow");
        Required(node.Child("Name"), "a stage name");
        Required(node.Child("Weight"), "a percentage from 0 to 100");
        return new StageOptions
        {
            Name = String(node.Child("Name")) ?? string.Empty,
            Weight = Decimal(node.Child("Weight")) ?? 0,
            MinDuration = Duration(node.Child("MinDuration")) ?? TimeSpan.Zero,
            Shadow = Bool(node.Child("Shadow")) ?? true,
        };
    }

    private FailoverOptions ReadFailover(Node node)
    {
        node.Expect(_errors, "Enabled", "BreakerFailureRatio", "BreakerMinimumThroughput", "BreakerSamplingDuration", "BreakerBreakDuration");
        var defaults = new FailoverOptions();
        return new FailoverOptions
        {
            Enabled = Bool(node.Child("Enabled")) ?? defaults.Enabled,
            BreakerFailureRatio = Double(node.Child("BreakerFailureRatio")) ?? defaults.BreakerFailureRatio,
            BreakerMinimumThroughput = Int(node.Child("BreakerMinimumThroughput")) ?? defaults.BreakerMinimumThroughput,
            BreakerSamplingDuration = Duration(node.Child("BreakerSamplingDuration")) ?? defaults.BreakerSamplingDuration,
            BreakerBreakDuration = Duration(node.Child("BreakerBreakDuration")) ?? defaults.BreakerBreakDuration,
        };
    }

    private ReplayOptions ReadReplay(Node node)
    {
        node.Expect(_errors, "PerEndpoint");
        return new ReplayOptions { PerEndpoint = Int(node.Child("PerEndpoint")) ?? new ReplayOptions().PerEndpoint };
    }

    private EndpointsOptions ReadEndpoints(Node node)
    {
        node.Expect(_errors, "Templates", "Learn");
        var defaults = new EndpointsOptions();
        return new EndpointsOptions
        {
            Templates = StringList(node.Child("Templates")) ?? defaults.Templates,
            Learn = Bool(node.Child("Learn")) ?? defaults.Learn,
        };
    }

    private bool Required(Node node, string what)
    {
        if (node.Exists)
        {
            return true;
        }

        _errors.Add(new(node.Path, $"is required: {what}"));
        return false;
    }

    private static string? String(Node node) => node.Value;

    private static List<string>? StringList(Node node)
    {
        if (!node.Exists)
        {
            return null;
        }

        // A single value ("Listen": "http://...") is accepted as a one-element list.
        if (node.Value is not null)
        {
            return node.Value.Length == 0 ? [] : [node.Value];
        }

        return node.Items().Select(item => item.Value ?? string.Empty).ToList();
    }

    private bool? Bool(Node node) => Parse(node, (string s, out bool v) => bool.TryParse(s, out v), "true or false");

    private int? Int(Node node) => Parse(node, (string s, out int v) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out v), "an integer");

    private long? Long(Node node) => Parse(node, (string s, out long v) => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out v), "an integer");

    private double? Double(Node node) => Parse(node, (string s, out double v) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v) && double.IsFinite(v), "a number");

    // Exact: a value a decimal would round (1e-30) is refused, not silently changed into another setting.
    private decimal? Decimal(Node node) => Parse<decimal>(node, ExactDecimal.TryParse, "a number (exactly representable, e.g. 12.5)");

    private TimeSpan? Duration(Node node) => Parse(node, (string s, out TimeSpan v) => TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out v), "a duration (hh:mm:ss or d.hh:mm:ss)");

    private T Enum<T>(Node node, T fallback)
        where T : struct, Enum =>
        Parse(node, (string s, out T v) => System.Enum.TryParse(s, ignoreCase: true, out v) && System.Enum.IsDefined(v) && !s.Any(char.IsAsciiDigit),
            "one of " + string.Join(", ", System.Enum.GetNames<T>())) ?? fallback;

    private delegate bool TryParser<T>(string text, out T value);

    private T? Parse<T>(Node node, TryParser<T> parse, string expected)
        where T : struct
    {
        if (!node.Exists)
        {
            return null;
        }

        var text = node.Value?.Trim();
        if (text is not null && parse(text, out var value))
        {
            return value;
        }

        _errors.Add(new(node.Path, text is null ? $"is a section, expected {expected}" : $"'{text}' is not {expected}"));
        return null;
    }

    /// <summary>A configuration section with its display path (<c>Stages[2]:Weight</c> rather than <c>Stages:2:Weight</c>).</summary>
    private readonly struct Node(IConfigurationSection section, string path)
    {
        public string Path { get; } = path;

        public string Name => section.Key;

        public string? Value => section.Value;

        public bool Exists => section.Exists();

        public Node Child(string key) => new(section.GetSection(key), $"{Path}:{key}");

        public IEnumerable<Node> Children()
        {
            var path = Path;
            return section.GetChildren().Select(child => new Node(child, $"{path}:{child.Key}"));
        }

        /// <summary>Array elements in index order.</summary>
        public IEnumerable<Node> Items()
        {
            var path = Path;
            return section.GetChildren()
                .OrderBy(child => int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : int.MaxValue)
                .Select(child => new Node(child, $"{path}[{child.Key}]"));
        }

        public void Expect(List<ConfigError> errors, params string[] known)
        {
            foreach (var child in section.GetChildren())
            {
                if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                {
                    errors.Add(new($"{Path}:{child.Key}", $"is not a known key here (known: {string.Join(", ", known)})"));
                }
            }
        }
    }
}
