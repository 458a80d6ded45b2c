using ShadowProxy.Core.Diff;
using static ShadowProxy.Core.Configuration.ConfigChecks;

namespace ShadowProxy.Core.Configuration;

/// <summary>
/// The rules of the core's options (docs/configuration.md: migrations and everything below them): ranges,
/// orderings and relations between keys, each written once. Parsing (a value that is not a number, an unknown
/// key, a missing required key) is the host's binder's; the host's own options have their rules beside them.
/// </summary>
public static class ConfigValidator
{
    // Timeouts arm timers (CancelAfter), which refuse delays of about 49 days and more; a day is plenty.
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);
    private static readonly TimeSpan MinGateWindow = TimeSpan.FromSeconds(1);

    // Polly's circuit breaker refuses anything outside 0.5 s .. 1 day at start-up.
    private static readonly TimeSpan MinBreakerDuration = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxBreakerDuration = TimeSpan.FromDays(1);

    private const long MaxShadowBodyBytes = 64L * 1024 * 1024;

    /// <summary>The prefix of the ids of the routes and clusters the proxy generates for migrations; no <c>RouteId</c> or <c>ClusterId</c> may name one.</summary>
    public const string GeneratedIdPrefix = "shadowproxy.";

    /// <summary>Checks <paramref name="migrations"/>, found at <paramref name="key"/> (<c>ShadowProxy:Migrations</c>).</summary>
    public static IReadOnlyList<ConfigError> Validate(IReadOnlyList<MigrationOptions> migrations, string key)
    {
        var errors = new List<ConfigError>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var claimed = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var migration in migrations)
        {
            var migrationKey = $"{key}:{migration.Name}";
            Check(names.Add(migration.Name), migrationKey, "is declared twice (names are case-insensitive)", errors);
            Check(IsValidName(migration.Name), migrationKey, "migration names use letters, digits, '-', '_' and '.' only (they appear in URLs and metric labels)", errors);
            Validate(migration, migrationKey, errors);
            for (var i = 0; i < migration.Routes.Count; i++)
            {
                // YARP route ids are case-insensitive; one route serves one migration.
                if (migration.Routes[i].RouteId is { Length: > 0 } routeId && !claimed.TryAdd(routeId, migration.Name))
                {
                    errors.Add(new($"{migrationKey}:Routes[{i}]:RouteId", $"'{routeId}' is already a route of migration '{claimed[routeId]}' (a route serves one migration)"));
                }
            }
        }

        return errors;
    }

    /// <summary>
    /// Checks that every <c>ClusterId</c> and <c>RouteId</c> of <paramref name="migrations"/> (found at <paramref name="key"/>)
    /// names a cluster or route of the proxy's YARP configuration, as <paramref name="hasCluster"/> and
    /// <paramref name="hasRoute"/> say. Separate from <see cref="Validate(IReadOnlyList{MigrationOptions}, string)"/>: the YARP
    /// configuration is known only once the proxy has loaded it.
    /// </summary>
    public static IReadOnlyList<ConfigError> ValidateReferences(IReadOnlyList<MigrationOptions> migrations, string key, Func<string, bool> hasCluster, Func<string, bool> hasRoute)
    {
        var errors = new List<ConfigError>();
        foreach (var migration in migrations)
        {
            var migrationKey = $"{key}:{migration.Name}";
            for (var i = 0; i < migration.Routes.Count; i++)
            {
                if (migration.Routes[i].RouteId is { Length: > 0 } routeId)
                {
                    Check(hasRoute(routeId), $"{migrationKey}:Routes[{i}]:RouteId", $"'{routeId}' is not a route of the proxy's configuration (ReverseProxy:Routes, or a route added in code)", errors);
                }
            }

            Reference(migration.Legacy, $"{migrationKey}:Legacy:ClusterId");
            if (migration.Candidate is { } candidate)
            {
                Reference(candidate, $"{migrationKey}:Candidate:ClusterId");
            }
        }

        return errors;

        void Reference(BackendOptions backend, string clusterKey)
        {
            if (backend.ClusterId is { Length: > 0 } clusterId)
            {
                Check(hasCluster(clusterId), clusterKey, $"'{clusterId}' is not a cluster of the proxy's configuration (ReverseProxy:Clusters, or a cluster added in code)", errors);
            }
        }
    }

    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static void Validate(MigrationOptions migration, string key, List<ConfigError> errors)
    {
        Check(migration.Routes.Count > 0, $"{key}:Routes", "is required: at least one route", errors);
        for (var i = 0; i < migration.Routes.Count; i++)
        {
            Validate(migration.Routes[i], $"{key}:Routes[{i}]", errors);
        }

        Validate(migration.Legacy, $"{key}:Legacy", errors);
        if (migration.Candidate is { } candidate)
        {
            Validate(candidate, $"{key}:Candidate", errors);
            var legacy = migration.Legacy;
            if (legacy.Address is { } legacyAddress && candidate.Address is { } candidateAddress)
            {
                Check(Uri.Compare(legacyAddress, candidateAddress, UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.SafeUnescaped, StringComparison.OrdinalIgnoreCase) != 0,
                    $"{key}:Candidate:Address", "is the same as Legacy:Address", errors);
            }

            Check(legacy.ClusterId is null || !string.Equals(legacy.ClusterId, candidate.ClusterId, StringComparison.OrdinalIgnoreCase),
                $"{key}:Candidate:ClusterId", "is the same as Legacy:ClusterId", errors);
        }

        Validate(migration.Shadow, $"{key}:Shadow", errors);
        Validate(migration.Diff, $"{key}:Diff", errors);
        JsonPaths(migration.Redact.JsonPaths, $"{key}:Redact:JsonPaths", errors);
        Validate(migration.Ramp, $"{key}:Ramp", errors);
        Validate(migration.Failover, $"{key}:Failover", errors);
        Validate(migration.Endpoints, $"{key}:Endpoints", errors);
        Check(migration.Replay.PerEndpoint is >= 0 and <= ReplayOptions.MaxPerEndpoint, $"{key}:Replay:PerEndpoint",
            $"{migration.Replay.PerEndpoint} is outside 0..{ReplayOptions.MaxPerEndpoint} (0 keeps no replay corpus)", errors);
        Check(migration.Cohort.Source is not (CohortSourceKind.Header or CohortSourceKind.Cookie) || !string.IsNullOrWhiteSpace(migration.Cohort.Name),
            $"{key}:Cohort:From", "names no header or cookie", errors);
    }

    private static void Validate(EndpointsOptions endpoints, string key, List<ConfigError> errors)
    {
        Check(endpoints.Templates.Count <= EndpointsOptions.MaxTemplates, $"{key}:Templates",
            $"{endpoints.Templates.Count} templates exceed the limit of {EndpointsOptions.MaxTemplates}", errors);
        for (var i = 0; i < endpoints.Templates.Count; i++)
        {
            var template = endpoints.Templates[i];
            var rooted = !string.IsNullOrWhiteSpace(template) && template[0] == '/';
            Check(rooted, $"{key}:Templates[{i}]", $"'{template}' must start with '/'", errors);
            Check(!rooted || (template.Count(c => c == '{') == template.Count(c => c == '}') && (!template.Contains('?', StringComparison.Ordinal) || template.Contains("?}", StringComparison.Ordinal))),
                $"{key}:Templates[{i}]", $"'{template}' is not a route template: unbalanced braces or a query string", errors);
        }
    }

    private static void Validate(RouteMatchOptions route, string key, List<ConfigError> errors)
    {
        if (route.RouteId is { } routeId)
        {
            ReferenceId(routeId, $"{key}:RouteId", "route", errors);

            // The named route's own match applies: a second match here could only disagree with it.
            Check(route.Path is null, $"{key}:Path", "is given beside RouteId: give one of them (the route's own match applies)", errors);
            Check(route.Methods is null, $"{key}:Methods", "is given beside RouteId (the route's own match applies)", errors);
            Check(route.Hosts is null, $"{key}:Hosts", "is given beside RouteId (the route's own match applies)", errors);
            Check(route.Headers is null, $"{key}:Headers", "is given beside RouteId (the route's own match applies)", errors);
            return;
        }

        if (route.Path is not { } path)
        {
            errors.Add(new($"{key}:Path", "is required: a YARP path template (e.g. /api/orders/{**rest}), or a RouteId naming a route of the proxy's configuration"));
            return;
        }

        Check(!string.IsNullOrWhiteSpace(path) && path[0] == '/', $"{key}:Path", $"'{path}' must start with '/'", errors);
    }

    /// <summary>A <c>RouteId</c> or <c>ClusterId</c> (<paramref name="kind"/>): not empty, and not one the proxy generates.</summary>
    private static void ReferenceId(string id, string key, string kind, List<ConfigError> errors)
    {
        Check(!string.IsNullOrWhiteSpace(id), key, $"is empty: name a {kind} of the proxy's configuration", errors);
        Check(!id.StartsWith(GeneratedIdPrefix, StringComparison.OrdinalIgnoreCase), key, $"'{id}' names a {kind} the proxy generates for a migration", errors);
    }

    private static void Validate(BackendOptions backend, string key, List<ConfigError> errors)
    {
        if (backend.ClusterId is { } clusterId)
        {
            ReferenceId(clusterId, $"{key}:ClusterId", "cluster", errors);
            Check(backend.Address is null, $"{key}:ClusterId", "is given beside Address: give one of them", errors);
            Check(backend.Timeout is null, $"{key}:Timeout", "applies to an Address only: the cluster's own HttpRequest:ActivityTimeout applies to a ClusterId", errors);
        }
        else if (backend.Address is not { } address)
        {
            errors.Add(new($"{key}:Address", "is required: an absolute URL (e.g. http://127.0.0.1:9001), or a ClusterId naming a cluster of the proxy's configuration"));
        }
        else if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add(new($"{key}:Address", $"'{address}' is not an absolute http:// or https:// URL"));
        }
        else
        {
            Check(!HasQueryOrFragment(address), $"{key}:Address", $"'{address}' must not have a query or fragment", errors);
        }

        if (backend.Timeout is { } timeout)
        {
            PositiveDuration(timeout, MaxTimeout, $"{key}:Timeout", errors);
        }

        Check(backend.VersionHeader is not { } header || IsToken(header), $"{key}:VersionHeader", "is not an HTTP header name", errors);
    }

    private static void Validate(ShadowOptions shadow, string key, List<ConfigError> errors)
    {
        Percent(shadow.SamplePercent, $"{key}:SamplePercent", errors);
        for (var i = 0; i < shadow.Methods.Count; i++)
        {
            var method = shadow.Methods[i];
            Check(!string.IsNullOrWhiteSpace(method) && method.All(c => char.IsAsciiLetter(c) || c == '-'), $"{key}:Methods[{i}]", $"'{method}' is not an HTTP method", errors);
        }

        NotNegative(shadow.MaxBodyBytes, $"{key}:MaxBodyBytes", errors);
        Check(shadow.MaxBodyBytes <= MaxShadowBodyBytes, $"{key}:MaxBodyBytes", $"{shadow.MaxBodyBytes} is above the 64 MiB limit for buffered copies", errors);
        PositiveDuration(shadow.Timeout, MaxTimeout, $"{key}:Timeout", errors);
        NotNegative(shadow.MaxInFlight, $"{key}:MaxInFlight", errors);
        Check(shadow.MinInFlight >= 0 && (shadow.MaxInFlight < 0 || shadow.MinInFlight <= shadow.MaxInFlight), $"{key}:MinInFlight", "must be from 0 to MaxInFlight", errors);
    }

    private static void Validate(DiffOptions diff, string key, List<ConfigError> errors)
    {
        Check(diff.NumericTolerance >= 0, $"{key}:NumericTolerance", $"{diff.NumericTolerance} is negative", errors);
        JsonPaths(diff.IgnoreJsonPaths, $"{key}:IgnoreJsonPaths", errors);
        JsonPaths(diff.UnorderedArrays, $"{key}:UnorderedArrays", errors);
        AboveZero(diff.MaxDecodedBytes, $"{key}:MaxDecodedBytes", errors);
        AboveZero(diff.MaxDifferences, $"{key}:MaxDifferences", errors);
        if (!SeverityRules.TryCreate(diff.Severity, out _, out var pattern, out var reason))
        {
            errors.Add(new($"{key}:Severity:{pattern}", reason));
        }

        if (!ArrayKeyRules.TryCreate(diff.ArrayKeys, out _, out pattern, out reason))
        {
            errors.Add(new($"{key}:ArrayKeys:{pattern}", reason));
        }

        var probe = diff.NoiseProbe;
        Percent(probe.SamplePercent, $"{key}:NoiseProbe:SamplePercent", errors);
        Ratio(probe.Threshold, $"{key}:NoiseProbe:Threshold", errors);
        AboveZero(probe.MinPairs, $"{key}:NoiseProbe:MinPairs", errors);
        Check(probe.Address is null || !HasQueryOrFragment(probe.Address), $"{key}:NoiseProbe:Address", "must not have a query or fragment", errors);
    }

    private static void Validate(RampOptions ramp, string key, List<ConfigError> errors)
    {
        Check(ramp.Stages.Count > 0, $"{key}:Stages", "needs at least one stage", errors);
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
            else
            {
                Check(stageNames.Add(stage.Name), $"{stageKey}:Name", $"'{stage.Name}' is used by two stages", errors);
            }

            var weight = stage.Weight;
            if ((weight is < 0 or > 100 ? $"{weight} is outside 0..100"
                : decimal.Round(weight, 2) != weight ? $"{weight} has more than two decimals"
                : weight < previous ? $"{weight} is below the previous stage's {previous} (stage weights never decrease)"
                : null) is { } weightError)
            {
                errors.Add(new($"{stageKey}:Weight", weightError));
            }

            previous = Math.Max(previous, weight);
            Check(stage.MinDuration >= TimeSpan.Zero, $"{stageKey}:MinDuration", $"{stage.MinDuration} is negative", errors);
        }

        var gates = ramp.Gates;
        if (gates.Window < MinGateWindow)
        {
            // The gates are evaluated once a second; the window's ring also needs a tick per slot.
            errors.Add(new($"{key}:Gates:Window", $"{gates.Window} is below {MinGateWindow}"));
        }
        else
        {
            PositiveDuration(gates.Window, MaxTimeout, $"{key}:Gates:Window", errors);
        }

        AboveZero(gates.MinSamples, $"{key}:Gates:MinSamples", errors);
        Fraction(gates.MaxDiffRate, $"{key}:Gates:MaxDiffRate", errors);
        Fraction(gates.MaxErrorRateIncrease, $"{key}:Gates:MaxErrorRateIncrease", errors);
        Check(gates.MaxP99LatencyRatio > 0, $"{key}:Gates:MaxP99LatencyRatio", $"{gates.MaxP99LatencyRatio} must be above 0", errors);
    }

    private static void Validate(FailoverOptions failover, string key, List<ConfigError> errors)
    {
        Ratio(failover.BreakerFailureRatio, $"{key}:BreakerFailureRatio", errors);
        Check(failover.BreakerMinimumThroughput >= 2, $"{key}:BreakerMinimumThroughput", $"{failover.BreakerMinimumThroughput} is below 2", errors);
        Within(failover.BreakerSamplingDuration, MinBreakerDuration, MaxBreakerDuration, $"{key}:BreakerSamplingDuration", errors);
        Within(failover.BreakerBreakDuration, MinBreakerDuration, MaxBreakerDuration, $"{key}:BreakerBreakDuration", errors);
    }

    private static bool HasQueryOrFragment(Uri address) => !string.IsNullOrEmpty(address.Query) || !string.IsNullOrEmpty(address.Fragment);

    private static bool IsToken(string text) => text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c));
}
