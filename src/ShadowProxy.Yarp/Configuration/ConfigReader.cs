using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Notifications;

namespace ShadowProxy.Configuration;

/// <summary>
/// Reads the <c>ShadowProxy</c> section into <see cref="ShadowProxyOptions"/>, then validates it. Keys and defaults
/// are the options records' (<see cref="ConfigBinder"/>: a key is declared once, as a property with its default);
/// the rules are the validators' (<see cref="HostOptionsValidator"/>, and <see cref="ConfigValidator"/> for the
/// core's records). What is here is only what a record's shape cannot say.
/// </summary>
internal static class ConfigReader
{
    private static readonly ConfigBinding Binding = new(
        Scalars: new Dictionary<Type, ConfigScalar>
        {
            [typeof(DiffSeverity)] = ConfigScalar.Of<DiffSeverity>(DiffSeverities.TryParse, DiffSeverities.Accepted),
            [typeof(NotificationEvent)] = ConfigScalar.Of<NotificationEvent>(NotificationEvents.TryParse, $"an event; use {string.Join(", ", NotificationEvents.All)}"),
        },
        Sections: new Dictionary<Type, Func<ConfigNode, List<ConfigError>, object>>
        {
            // The cohort is one text key, "From": Header:NAME, Cookie:NAME, ClientIp or Random.
            [typeof(CohortOptions)] = (node, errors) =>
            {
                node.Expect(errors, ["From"]);
                var from = node.Child("From");
                if (!CohortOptions.TryParse(from.Value, out var cohort, out var error))
                {
                    errors.Add(new(from.Path, error));
                }

                return cohort;
            },
        },
        Normalize: new Dictionary<Type, Func<object, ConfigNode, object>>
        {
            [typeof(ShadowOptions)] = (options, node) =>
            {
                var shadow = (ShadowOptions)options;
                return shadow with
                {
                    Methods = shadow.Methods.Select(m => m.ToUpperInvariant()).ToList(),
                    // The default floor never exceeds the ceiling: MaxInFlight 0 (no shadows) needs no MinInFlight 0 beside it.
                    MinInFlight = node.Child(nameof(ShadowOptions.MinInFlight)).Exists ? shadow.MinInFlight : Math.Clamp(shadow.MinInFlight, 0, Math.Max(0, shadow.MaxInFlight)),
                };
            },
            [typeof(ApiKeyOptions)] = (options, _) => (ApiKeyOptions)options with { KeySha256 = ((ApiKeyOptions)options).KeySha256?.ToLowerInvariant() },
            [typeof(WebhookOptions)] = (options, _) => (WebhookOptions)options with { Events = ((WebhookOptions)options).Events.Distinct().ToList() },
        });

    /// <summary>Reads the <c>ShadowProxy</c> section of <paramref name="configuration"/>, as the standalone executable does.</summary>
    public static ShadowProxyOptions? Read(IConfiguration configuration, out IReadOnlyList<ConfigError> errors) =>
        ReadSection(configuration.GetSection(ShadowProxyOptions.SectionName), standalone: true, out errors);

    /// <summary>
    /// Reads <paramref name="section"/>, the <c>ShadowProxy</c> section wherever a host keeps it; errors name keys by
    /// its path. The listener keys (<see cref="ShadowProxyOptions.StandaloneKeys"/>) are the standalone executable's:
    /// in an application of its own (not <paramref name="standalone"/>) each one given is refused, never ignored.
    /// </summary>
    public static ShadowProxyOptions? ReadSection(IConfigurationSection section, bool standalone, out IReadOnlyList<ConfigError> errors)
    {
        var found = new List<ConfigError>();
        var options = new ConfigBinder(found, Binding).Bind<ShadowProxyOptions>(new ConfigNode(section, section.Path));
        if (!standalone)
        {
            found.AddRange(ShadowProxyOptions.StandaloneKeys.Where(key => section.GetSection(key).Exists()).Select(key => new ConfigError(
                $"{section.Path}:{key}", "is read by the standalone shadowproxy executable only; an application configures its own Kestrel listeners, TLS and limits, and maps the admin API where it wants it")));
        }

        // Semantic checks run even after parse errors, so one run reports every problem; a key the
        // reader already rejected is not reported twice.
        var rejected = found.Select(e => e.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        found.AddRange(HostOptionsValidator.Validate(options, section.Path).Where(e => !rejected.Any(key => e.Key.StartsWith(key, StringComparison.OrdinalIgnoreCase))));
        errors = found;
        return found.Count == 0 ? options : null;
    }
}
