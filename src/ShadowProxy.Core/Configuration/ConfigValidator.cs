using ShadowProxy.Core.Diff;

namespace ShadowProxy.Core.Configuration;

/// <summary>
/// Semantic checks of a parsed configuration: ranges, orderings and relations between keys.
/// Parsing problems (a value that is not a number, an unknown key) are the reader's.
/// </summary>
public static class ConfigValidator
{
    private const string Root = ShadowProxyOptions.SectionName;

    // Timeouts arm timers (CancelAfter), which refuse delays of about 49 days and more; a day is plenty.
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);
    private static readonly TimeSpan MinGateWindow = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinBreakerDuration = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxBreakerDuration = TimeSpan.FromDays(1);

    public static IReadOnlyList<ConfigError> Validate(ShadowProxyOptions options)
    {
        var errors = new List<ConfigError>();
        ValidateAdmin(options, errors);
        ValidateStore(options.Store, errors);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var migration in options.Migrations)
        {
            var key = $"{Root}:Migrations:{migration.Name}";
            if (!names.Add(migration.Name))
            {
                errors.Add(new(key, "is declared twice (names are case-insensitive)"));
            }

            if (!IsValidName(migration.Name))
            {
                errors.Add(new(key, "migration names use letters, digits, '-', '_' and '.' only (they appear in URLs and metric labels)"));
            }

            ValidateMigration(migration, key, errors);
        }

        return errors;
    }

    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static void ValidateAdmin(ShadowProxyOptions options, List<ConfigError> errors)
    {
        var keyNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Admin.ApiKeys.Count; i++)
        {
            var apiKey = options.Admin.ApiKeys[i];
            var key = $"{Root}:Admin:ApiKeys[{i}]";
            if (string.IsNullOrWhiteSpace(apiKey.Name))
            {
                errors.Add(new($"{key}:Name", "is required (it names the caller in the audit log)"));
            }
            else if (!keyNames.Add(apiKey.Name))
            {
                errors.Add(new($"{key}:Name", $"'{apiKey.Name}' is used by two keys"));
            }

            var hasKey = !string.IsNullOrEmpty(apiKey.Key);
            var hasHash = !string.IsNullOrEmpty(apiKey.KeySha256);
            if (hasKey == hasHash)
            {
                errors.Add(new(key, "set exactly one of Key and KeySha256"));
            }
            else if (hasKey && apiKey.Key!.Length < 16)
            {
                errors.Add(new($"{key}:Key", "is shorter than 16 characters"));
            }
            else if (hasHash && (apiKey.KeySha256!.Length != 64 || !apiKey.KeySha256.All(char.IsAsciiHexDigit)))
            {
                errors.Add(new($"{key}:KeySha256", "is not 64 hex digits (a SHA-256 of the key)"));
            }
        }
    }

    private static void ValidateStore(StoreOptions store, List<ConfigError> errors)
    {
        var key = $"{Root}:Store";
        if (store.Provider == StoreProvider.Sqlite && string.IsNullOrWhiteSpace(store.Sqlite.Path))
        {
            errors.Add(new($"{key}:Sqlite:Path", "is required when Provider is Sqlite"));
        }

        if (store.Provider == StoreProvider.Redis && string.IsNullOrWhiteSpace(store.Redis.Configuration))
        {
            errors.Add(new($"{key}:Redis:Configuration", "is required when Provider is Redis"));
        }

        Positive(store.SamplesPerPath, $"{key}:SamplesPerPath", errors, allowZero: true);
        Positive(store.MaxSamplesPerMigration, $"{key}:MaxSamplesPerMigration", errors, allowZero: true);
        Positive(store.MaxPathsPerMigration, $"{key}:MaxPathsPerMigration", errors);
        Positive(store.MaxAuditEntries, $"{key}:MaxAuditEntries", errors);
    }

    private static void ValidateMigration(MigrationOptions migration, string key, List<ConfigError> errors)
    {
        if (migration.Routes.Count == 0)
        {
            errors.Add(new($"{key}:Routes", "is required: at least one route"));
        }

        for (var i = 0; i < migration.Routes.Count; i++)
        {
            var path = migration.Routes[i].Path;
            if (string.IsNullOrWhiteSpace(path) || path[0] != '/')
            {
                errors.Add(new($"{key}:Routes[{i}]:Path", $"'{path}' must start with '/'"));
            }
        }

        ValidateBackend(migration.Legacy, $"{key}:Legacy", errors);
        if (migration.Candidate is not null)
        {
            ValidateBackend(migration.Candidate, $"{key}:Candidate", errors);
        }

        if (migration.Candidate is not null && Uri.Compare(migration.Legacy.Address, migration.Candidate.Address, UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.SafeUnescaped, StringComparison.OrdinalIgnoreCase) == 0)
        {
            errors.Add(new($"{key}:Candidate:Address", "is the same as Legacy:Address"));
        }

        ValidateShadow(migration.Shadow, $"{key}:Shadow", errors);
        ValidateDiff(migration.Diff, $"{key}:Diff", errors);
        CheckJsonPaths(migration.Redact.JsonPaths, $"{key}:Redact:JsonPaths", errors);
        ValidateRamp(migration.Ramp, $"{key}:Ramp", errors);
        ValidateFailover(migration.Failover, $"{key}:Failover", errors);
        ValidateEndpoints(migration.Endpoints, $"{key}:Endpoints", errors);
        if (migration.Replay.PerEndpoint is < 0 or > ReplayOptions.MaxPerEndpoint)
        {
            errors.Add(new($"{key}:Replay:PerEndpoint", $"{migration.Replay.PerEndpoint} is outside 0..{ReplayOptions.MaxPerEndpoint} (0 keeps no replay corpus)"));
        }
        if (migration.Cohort.Source is CohortSourceKind.Header or CohortSourceKind.Cookie && string.IsNullOrWhiteSpace(migration.Cohort.Name))
        {
            errors.Add(new($"{key}:Cohort:From", "names no header or cookie"));
        }
    }

    private static void ValidateEndpoints(EndpointsOptions endpoints, string key, List<ConfigError> errors)
    {
        if (endpoints.Templates.Count > EndpointsOptions.MaxTemplates)
        {
            errors.Add(new($"{key}:Templates", $"{endpoints.Templates.Count} templates exceed the limit of {EndpointsOptions.MaxTemplates}"));
        }

        for (var i = 0; i < endpoints.Templates.Count; i++)
        {
            var template = endpoints.Templates[i];
            if (string.IsNullOrWhiteSpace(template) || template[0] != '/')
            {
                errors.Add(new($"{key}:Templates[{i}]", $"'{template}' must start with '/'"));
            }
            else if (template.Count(c => c == '{') != template.Count(c => c == '}') || template.Contains('?', StringComparison.Ordinal) && !template.Contains("?}", StringComparison.Ordinal))
            {
                errors.Add(new($"{key}:Templates[{i}]", $"'{template}' is not a route template: unbalanced braces or a query string"));
            }
        }
    }

    private static void ValidateBackend(BackendOptions backend, string key, List<ConfigError> errors)
    {
        var address = backend.Address;
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add(new($"{key}:Address", $"'{address}' is not an absolute http:// or https:// URL"));
        }
        else if (!string.IsNullOrEmpty(address.Query) || !string.IsNullOrEmpty(address.Fragment))
        {
            errors.Add(new($"{key}:Address", $"'{address}' must not have a query or fragment"));
        }

        PositiveDuration(backend.Timeout, $"{key}:Timeout", errors, MaxTimeout);
        if (backend.VersionHeader is { } header && (header.Length == 0 || !header.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c))))
        {
            errors.Add(new($"{key}:VersionHeader", "is not an HTTP header name"));
        }
    }

    private static void ValidateShadow(ShadowOptions shadow, string key, List<ConfigError> errors)
    {
        if (shadow.SamplePercent is < 0 or > 100 || double.IsNaN(shadow.SamplePercent))
        {
            errors.Add(new($"{key}:SamplePercent", $"{shadow.SamplePercent} is outside 0..100"));
        }

        for (var i = 0; i < shadow.Methods.Count; i++)
        {
            var method = shadow.Methods[i];
            if (string.IsNullOrWhiteSpace(method) || !method.All(c => char.IsAsciiLetter(c) || c == '-'))
            {
                errors.Add(new($"{key}:Methods[{i}]", $"'{method}' is not an HTTP method"));
            }
        }

        if (shadow.MaxBodyBytes < 0)
        {
            errors.Add(new($"{key}:MaxBodyBytes", $"{shadow.MaxBodyBytes} is negative"));
        }
        else if (shadow.MaxBodyBytes > 64L * 1024 * 1024)
        {
            errors.Add(new($"{key}:MaxBodyBytes", $"{shadow.MaxBodyBytes} is above the 64 MiB limit for buffered copies"));
        }

        PositiveDuration(shadow.Timeout, $"{key}:Timeout", errors, MaxTimeout);
        Positive(shadow.MaxInFlight, $"{key}:MaxInFlight", errors, allowZero: true);
        if (shadow.MinInFlight < 0 || (shadow.MaxInFlight >= 0 && shadow.MinInFlight > shadow.MaxInFlight))
        {
            errors.Add(new($"{key}:MinInFlight", "must be from 0 to MaxInFlight"));
        }
    }

    private static void ValidateDiff(DiffOptions diff, string key, List<ConfigError> errors)
    {
        if (diff.NumericTolerance < 0 || double.IsNaN(diff.NumericTolerance))
        {
            errors.Add(new($"{key}:NumericTolerance", $"{diff.NumericTolerance} is negative"));
        }

        CheckJsonPaths(diff.IgnoreJsonPaths, $"{key}:IgnoreJsonPaths", errors);
        CheckJsonPaths(diff.UnorderedArrays, $"{key}:UnorderedArrays", errors);
        Positive(diff.MaxDecodedBytes, $"{key}:MaxDecodedBytes", errors);
        Positive(diff.MaxDifferences, $"{key}:MaxDifferences", errors);
        if (!SeverityRules.TryCreate(diff.Severity, out _, out var pattern, out var reason))
        {
            errors.Add(new($"{key}:Severity:{pattern}", reason));
        }

        if (!ArrayKeyRules.TryCreate(diff.ArrayKeys, out _, out pattern, out reason))
        {
            errors.Add(new($"{key}:ArrayKeys:{pattern}", reason));
        }

        var probe = diff.NoiseProbe;
        if (probe.SamplePercent is < 0 or > 100 || double.IsNaN(probe.SamplePercent))
        {
            errors.Add(new($"{key}:NoiseProbe:SamplePercent", $"{probe.SamplePercent} is outside 0..100"));
        }

        if (probe.Threshold is <= 0 or > 1 || double.IsNaN(probe.Threshold))
        {
            errors.Add(new($"{key}:NoiseProbe:Threshold", $"{probe.Threshold} is outside (0, 1]"));
        }

        Positive(probe.MinPairs, $"{key}:NoiseProbe:MinPairs", errors);
        if (probe.Address is { } address && (!string.IsNullOrEmpty(address.Query) || !string.IsNullOrEmpty(address.Fragment)))
        {
            errors.Add(new($"{key}:NoiseProbe:Address", "must not have a query or fragment"));
        }
    }

    /// <summary>Compiles the patterns as the diff engine will, so a bad one is named at start-up.</summary>
    internal static void CheckJsonPaths(IReadOnlyList<string> paths, string key, List<ConfigError> errors)
    {
        for (var i = 0; i < paths.Count; i++)
        {
            var path = paths[i];
            if (string.IsNullOrWhiteSpace(path) || path[0] != '$')
            {
                errors.Add(new($"{key}[{i}]", $"'{path}' is not a JSON path (it starts with '$', e.g. $.meta.requestId)"));
            }
            else if (!PathPatternSet.TryCompile([path], out _, out var error))
            {
                errors.Add(new($"{key}[{i}]", error.StartsWith("[0]: ", StringComparison.Ordinal) ? error[5..] : error));
            }
        }
    }

    private static void ValidateRamp(RampOptions ramp, string key, List<ConfigError> errors)
    {
        if (ramp.Stages.Count == 0)
        {
            errors.Add(new($"{key}:Stages", "needs at least one stage"));
        }

        var stageNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        decimal previous = 0;
        for (var i = 0; i < ramp.Stages.Count; i++)
        {
            var stage = ramp.Stages[i];
            var stageKey = $"{key}:Stages[{i}]";
            if (string.IsNullOrWhiteSpace(stage.Name))
            {
                errors.Add(new($"{stageKey}:Name", "is required"));
            }
            else if (!stageNames.Add(stage.Name))
            {
                errors.Add(new($"{stageKey}:Name", $"'{stage.Name}' is used by two stages"));
            }

            if (stage.Weight is < 0 or > 100)
            {
                errors.Add(new($"{stageKey}:Weight", $"{stage.Weight} is outside 0..100"));
            }
            else if (decimal.Round(stage.Weight, 2) != stage.Weight)
            {
                errors.Add(new($"{stageKey}:Weight", $"{stage.Weight} has more than two decimals"));
            }
            else if (stage.Weight < previous)
            {
                errors.Add(new($"{stageKey}:Weight", $"{stage.Weight} is below the previous stage's {previous} (stage weights never decrease)"));
            }

            previous = Math.Max(previous, stage.Weight);
            if (stage.MinDuration < TimeSpan.Zero)
            {
                errors.Add(new($"{stageKey}:MinDuration", $"{stage.MinDuration} is negative"));
            }
        }

        var gates = ramp.Gates;
        if (gates.Window < MinGateWindow)
        {
            // The gates are evaluated once a second; the window's ring also needs a tick per slot.
            errors.Add(new($"{key}:Gates:Window", $"{gates.Window} is below {MinGateWindow}"));
        }
        else
        {
            PositiveDuration(gates.Window, $"{key}:Gates:Window", errors, MaxTimeout);
        }

        Positive(gates.MinSamples, $"{key}:Gates:MinSamples", errors);
        Fraction(gates.MaxDiffRate, $"{key}:Gates:MaxDiffRate", errors);
        Fraction(gates.MaxErrorRateIncrease, $"{key}:Gates:MaxErrorRateIncrease", errors);
        if (gates.MaxP99LatencyRatio <= 0 || double.IsNaN(gates.MaxP99LatencyRatio))
        {
            errors.Add(new($"{key}:Gates:MaxP99LatencyRatio", $"{gates.MaxP99LatencyRatio} must be above 0"));
        }
    }

    private static void ValidateFailover(FailoverOptions failover, string key, List<ConfigError> errors)
    {
        if (failover.BreakerFailureRatio is <= 0 or > 1 || double.IsNaN(failover.BreakerFailureRatio))
        {
            errors.Add(new($"{key}:BreakerFailureRatio", $"{failover.BreakerFailureRatio} is outside (0, 1]"));
        }

        if (failover.BreakerMinimumThroughput < 2)
        {
            errors.Add(new($"{key}:BreakerMinimumThroughput", $"{failover.BreakerMinimumThroughput} is below 2"));
        }

        // Polly's circuit breaker refuses anything outside 0.5 s .. 1 day at start-up.
        BreakerDuration(failover.BreakerSamplingDuration, $"{key}:BreakerSamplingDuration", errors);
        BreakerDuration(failover.BreakerBreakDuration, $"{key}:BreakerBreakDuration", errors);
    }

    private static void Fraction(double value, string key, List<ConfigError> errors)
    {
        if (value is < 0 or > 1 || double.IsNaN(value))
        {
            errors.Add(new(key, $"{value} is outside 0..1 (a fraction: 0.01 is 1%)"));
        }
    }

    private static void Positive(long value, string key, List<ConfigError> errors, bool allowZero = false)
    {
        if (value < 0 || (!allowZero && value == 0))
        {
            errors.Add(new(key, allowZero ? $"{value} is negative" : $"{value} must be above 0"));
        }
    }

    private static void PositiveDuration(TimeSpan value, string key, List<ConfigError> errors, TimeSpan? max = null)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add(new(key, value < TimeSpan.Zero ? $"{value} is negative" : "must be above zero"));
        }
        else if (value > max)
        {
            errors.Add(new(key, $"{value} is above the limit of {max}"));
        }
    }

    private static void BreakerDuration(TimeSpan value, string key, List<ConfigError> errors)
    {
        if (value < MinBreakerDuration || value > MaxBreakerDuration)
        {
            errors.Add(new(key, $"{value} is outside {MinBreakerDuration}..{MaxBreakerDuration}"));
        }
    }
}
