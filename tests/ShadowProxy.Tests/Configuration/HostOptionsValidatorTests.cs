using static ShadowProxy.Tests.Configuration.ConfigTree;

namespace ShadowProxy.Tests.Configuration;

/// <summary>Every rule of the host's options (docs/configuration.md#listeners, #store): one edit of a valid configuration, the one error it gives.</summary>
public sealed class HostOptionsValidatorTests
{
    private const string Key = "a-long-enough-random-secret";
    private const string Hash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    public static TheoryData<string, string, string> Rules => new()
    {
        { "ShadowProxy:Listen:0", "ftp://127.0.0.1:1", "ShadowProxy:Listen[0]: 'ftp://127.0.0.1:1' is not an http://, h2c:// or https:// URL with a host and port" },
        { "ShadowProxy:Listen:0", "http://127.0.0.1", "ShadowProxy:Listen[0]: 'http://127.0.0.1' names no port" },
        { "ShadowProxy:Listen:0", "http://127.0.0.1:1/api", "ShadowProxy:Listen[0]: 'http://127.0.0.1:1/api' must not have a path or query" },
        { "ShadowProxy:Listen:0", "http://proxy.internal:1", "ShadowProxy:Listen[0]: 'http://proxy.internal:1' must name an IP address or localhost" },
        { "ShadowProxy:Listen:0", "https://127.0.0.1:0", "ShadowProxy:Tls:CertificatePath: is required for https:// listeners" },
        { "ShadowProxy:Admin:Listen", "https://127.0.0.1:0", "ShadowProxy:Tls:CertificatePath: is required for https:// listeners" },
        { "ShadowProxy:Admin:Listen", "h2c://127.0.0.1:0", "ShadowProxy:Admin:Listen: h2c:// is not supported on the admin listener; use http:// or https://" },
        { "ShadowProxy:Admin:Listen", "http://0.0.0.0:0", "ShadowProxy:Admin:Listen: 'http://0.0.0.0:0' is not a loopback address, and with no Admin:ApiKeys the admin API would be open to anyone who reaches it; configure ApiKeys or listen on 127.0.0.1" },
        { "ShadowProxy:Store:Sqlite:Path", " ", "ShadowProxy:Store:Sqlite:Path: is required when Provider is Sqlite" },
        { "ShadowProxy:Store:SamplesPerPath", "-1", "ShadowProxy:Store:SamplesPerPath: -1 is negative" },
        { "ShadowProxy:Store:MaxSamplesPerMigration", "-1", "ShadowProxy:Store:MaxSamplesPerMigration: -1 is negative" },
        { "ShadowProxy:Store:MaxPathsPerMigration", "0", "ShadowProxy:Store:MaxPathsPerMigration: 0 must be above 0" },
        { "ShadowProxy:Store:MaxAuditEntries", "0", "ShadowProxy:Store:MaxAuditEntries: 0 must be above 0" },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Each_rule_names_its_key_and_says_why(string key, string value, string expected) =>
        Assert.Equal(expected, Refuse((key, value)));

    [Fact]
    public void An_admin_port_that_is_also_a_proxy_port_is_refused_port_0_is_not()
    {
        Assert.Equal("ShadowProxy:Admin:Listen: port 9000 is also a proxy listener",
            Refuse(("ShadowProxy:Listen:0", "http://127.0.0.1:9000"), ("ShadowProxy:Admin:Listen", "http://127.0.0.1:9000")));
        Accept(("ShadowProxy:Listen:0", "http://127.0.0.1:0"), ("ShadowProxy:Admin:Listen", "http://127.0.0.1:0"));
    }

    [Fact]
    public void A_public_admin_listener_is_accepted_with_api_keys()
    {
        var options = Accept(("ShadowProxy:Admin:Listen", "http://0.0.0.0:0"), ("ShadowProxy:Admin:ApiKeys:0:Name", "ops"), ("ShadowProxy:Admin:ApiKeys:0:Key", Key));
        Assert.Equal("ops", Assert.Single(options.Admin.ApiKeys).Name);
    }

    [Theory]
    [InlineData(null, Key, null, "ShadowProxy:Admin:ApiKeys[0]:Name: is required (it names the caller in the audit log)")]
    [InlineData("ops", Key, Hash, "ShadowProxy:Admin:ApiKeys[0]: set exactly one of Key and KeySha256")]
    [InlineData("ops", null, null, "ShadowProxy:Admin:ApiKeys[0]: set exactly one of Key and KeySha256")]
    [InlineData("ops", "short", null, "ShadowProxy:Admin:ApiKeys[0]:Key: is shorter than 16 characters")]
    [InlineData("ops", null, "abc", "ShadowProxy:Admin:ApiKeys[0]:KeySha256: is not 64 hex digits (a SHA-256 of the key)")]
    [InlineData("ops", null, "g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "ShadowProxy:Admin:ApiKeys[0]:KeySha256: is not 64 hex digits (a SHA-256 of the key)")]
    public void Api_key_rules(string? name, string? key, string? hash, string expected) =>
        Assert.Equal(expected, Refuse(("ShadowProxy:Admin:ApiKeys:0:Name", name), ("ShadowProxy:Admin:ApiKeys:0:Key", key), ("ShadowProxy:Admin:ApiKeys:0:KeySha256", hash)));

    [Fact]
    public void Api_key_names_are_unique_and_hashes_are_kept_lower_case()
    {
        Assert.Equal("ShadowProxy:Admin:ApiKeys[1]:Name: 'ops' is used by two keys", Refuse(
            ("ShadowProxy:Admin:ApiKeys:0:Name", "ops"), ("ShadowProxy:Admin:ApiKeys:0:Key", Key),
            ("ShadowProxy:Admin:ApiKeys:1:Name", "ops"), ("ShadowProxy:Admin:ApiKeys:1:Key", Key + "2")));
        var options = Accept(("ShadowProxy:Admin:ApiKeys:0:Name", "ops"), ("ShadowProxy:Admin:ApiKeys:0:KeySha256", Hash.ToUpperInvariant()));
        Assert.Equal(Hash, options.Admin.ApiKeys[0].KeySha256);
    }

    [Fact]
    public void The_redis_configuration_is_required_and_must_parse_with_redis_only()
    {
        Assert.Equal("ShadowProxy:Store:Redis:Configuration: is required when Provider is Redis",
            Refuse(("ShadowProxy:Store:Provider", "Redis"), ("ShadowProxy:Store:Redis:Configuration", "")));
        Assert.StartsWith("ShadowProxy:Store:Redis:Configuration: '127.0.0.1:6379,nonsense=1' is not a Redis configuration string",
            Refuse(("ShadowProxy:Store:Provider", "Redis"), ("ShadowProxy:Store:Redis:Configuration", "127.0.0.1:6379,nonsense=1")), StringComparison.Ordinal);
        Accept(("ShadowProxy:Store:Redis:Configuration", "127.0.0.1:6379,nonsense=1"));
    }

    [Fact]
    public void Migration_rules_are_the_core_validators_named_under_the_section() =>
        Assert.Equal($"{M}Replay:PerEndpoint: 5000 is outside 0..1000 (0 keeps no replay corpus)", Refuse((M + "Replay:PerEndpoint", "5000")));
}
