using System.Net;
using ShadowProxy.Core.Configuration;
using static ShadowProxy.Core.Configuration.ConfigChecks;

namespace ShadowProxy.Configuration;

/// <summary>
/// The rules of the host's own options (listeners, admin keys, TLS, store), as data checks, then the core's
/// (<see cref="ConfigValidator"/>: migrations). Only what needs the outside world stays at start-up: loading
/// the certificate file and connecting to the store.
/// </summary>
internal static class HostOptionsValidator
{
    /// <param name="options">The options read.</param>
    /// <param name="root">The path of the section they were read from, which every error's key starts with.</param>
    public static IReadOnlyList<ConfigError> Validate(ShadowProxyOptions options, string root = ShadowProxyOptions.SectionName)
    {
        var errors = new List<ConfigError>();
        ValidateListeners(options, root, errors);
        ValidateApiKeys(options.Admin.ApiKeys, root, errors);
        ValidateStore(options.Store, root, errors);
        errors.AddRange(ConfigValidator.Validate(options.Migrations, $"{root}:Migrations"));
        return errors;
    }

    private static void ValidateListeners(ShadowProxyOptions options, string root, List<ConfigError> errors)
    {
        var proxy = new List<(ListenScheme Scheme, IPEndPoint EndPoint)>();
        for (var i = 0; i < options.Listen.Count; i++)
        {
            if (ListenAddress.TryParse(options.Listen[i], out var endpoints, out var scheme, out var error))
            {
                proxy.AddRange(endpoints.Select(e => (scheme, e)));
            }
            else
            {
                errors.Add(new($"{root}:Listen[{i}]", error));
            }
        }

        var adminKey = $"{root}:Admin:Listen";
        var admin = options.Admin;
        if (!ListenAddress.TryParse(admin.Listen, out var adminEndpoints, out var adminScheme, out var adminError))
        {
            errors.Add(new(adminKey, adminError));
        }
        else if (adminScheme == ListenScheme.H2c)
        {
            // The dashboard and shadowctl speak HTTP/1.1 and TLS; a prior-knowledge HTTP/2 listener would serve neither.
            errors.Add(new(adminKey, "h2c:// is not supported on the admin listener; use http:// or https://"));
        }
        else if (admin.ApiKeys.Count == 0 && adminEndpoints.Any(e => !IPAddress.IsLoopback(e.Address)))
        {
            errors.Add(new(adminKey,
                $"'{admin.Listen}' is not a loopback address, and with no Admin:ApiKeys the admin API would be open to anyone who reaches it; configure ApiKeys or listen on 127.0.0.1"));
        }

        // An https:// admin listener is served with TLS, with the same certificate as https:// proxy listeners
        // (Tls:*): API keys must not cross a network in clear text because the URL said https.
        var needsCertificate = proxy.Any(e => e.Scheme == ListenScheme.Https) || adminScheme == ListenScheme.Https;
        Check(!needsCertificate || !string.IsNullOrWhiteSpace(options.Tls.CertificatePath), $"{root}:Tls:CertificatePath", "is required for https:// listeners", errors);
        foreach (var endpoint in adminEndpoints)
        {
            Check(endpoint.Port == 0 || !proxy.Any(p => p.EndPoint.Port == endpoint.Port), adminKey, $"port {endpoint.Port} is also a proxy listener", errors);
        }
    }

    private static void ValidateApiKeys(IReadOnlyList<ApiKeyOptions> apiKeys, string root, List<ConfigError> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < apiKeys.Count; i++)
        {
            var apiKey = apiKeys[i];
            var key = $"{root}:Admin:ApiKeys[{i}]";
            if (string.IsNullOrWhiteSpace(apiKey.Name))
            {
                errors.Add(new($"{key}:Name", "is required (it names the caller in the audit log)"));
            }
            else
            {
                Check(names.Add(apiKey.Name), $"{key}:Name", $"'{apiKey.Name}' is used by two keys", errors);
            }

            var hasKey = !string.IsNullOrEmpty(apiKey.Key);
            var hasHash = !string.IsNullOrEmpty(apiKey.KeySha256);
            if (hasKey == hasHash)
            {
                errors.Add(new(key, "set exactly one of Key and KeySha256"));
            }
            else if (hasKey)
            {
                Check(apiKey.Key!.Length >= 16, $"{key}:Key", "is shorter than 16 characters", errors);
            }
            else
            {
                Check(apiKey.KeySha256!.Length == 64 && apiKey.KeySha256.All(char.IsAsciiHexDigit), $"{key}:KeySha256", "is not 64 hex digits (a SHA-256 of the key)", errors);
            }
        }
    }

    private static void ValidateStore(StoreOptions store, string root, List<ConfigError> errors)
    {
        var key = $"{root}:Store";
        Check(store.Provider != StoreProvider.Sqlite || !string.IsNullOrWhiteSpace(store.Sqlite.Path), $"{key}:Sqlite:Path", "is required when Provider is Sqlite", errors);
        if (store.Provider == StoreProvider.Redis)
        {
            var configuration = store.Redis.Configuration;
            if (string.IsNullOrWhiteSpace(configuration))
            {
                errors.Add(new($"{key}:Redis:Configuration", "is required when Provider is Redis"));
            }
            else
            {
                try
                {
                    StackExchange.Redis.ConfigurationOptions.Parse(configuration);
                }
                catch (ArgumentException ex)
                {
                    errors.Add(new($"{key}:Redis:Configuration", $"'{configuration}' is not a Redis configuration string (host:port[,option=value...]): {ex.Message}"));
                }
            }
        }

        NotNegative(store.SamplesPerPath, $"{key}:SamplesPerPath", errors);
        NotNegative(store.MaxSamplesPerMigration, $"{key}:MaxSamplesPerMigration", errors);
        AboveZero(store.MaxPathsPerMigration, $"{key}:MaxPathsPerMigration", errors);
        AboveZero(store.MaxAuditEntries, $"{key}:MaxAuditEntries", errors);
    }
}
