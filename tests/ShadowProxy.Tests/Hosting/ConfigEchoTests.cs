using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ShadowProxy.Setup;
using ShadowProxy.Tests.Hardening;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Hosting;

/// <summary>
/// docs/security.md: <c>/readyz</c> (no key needed), <c>/metrics</c> and the log never repeat configuration
/// values. The probe that found it saw a rejected value inside <c>Admin:ApiKeys</c> on <c>/readyz</c>.
/// </summary>
public sealed class ConfigEchoTests
{
    [Theory]
    [InlineData("ShadowProxy:Admin:ApiKeys:0:Role", "ShadowProxy:Admin:ApiKeys[0]:Role", "Root-SECRET-1234")]
    [InlineData("ShadowProxy:Migrations:orders:Legacy:Address", "ShadowProxy:Migrations:orders:Legacy:Address", "ftp://user:SECRET-PASS-5678@legacy.internal")]
    [InlineData("ShadowProxy:Migrations:orders:Ramp:Stages:0:Weight", "ShadowProxy:Migrations:orders:Ramp:Stages[0]:Weight", "123.45")]
    public async Task A_refused_live_edit_is_named_by_its_key_never_by_its_value(string configurationKey, string errorKey, string value)
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Admin:ApiKeys:0:Name"] = "ops";
        config["ShadowProxy:Admin:ApiKeys:0:Role"] = "Operator";
        config["ShadowProxy:Admin:ApiKeys:0:Key"] = "operator-key-0123456789";
        var log = new CapturedLog();
        await using var proxy = await TestProxy.StartAsync(config, log.Register);

        proxy.Services.GetRequiredService<IConfiguration>()[configurationKey] = value;
        await proxy.Services.GetServices<IHostedService>().OfType<ConfigReloader>().Single().ReloadAsync(CancellationToken.None);

        var readyz = await proxy.Admin.GetStringAsync("/readyz");
        Assert.Contains("configuration file invalid", readyz);
        Assert.Contains(errorKey, readyz);
        Assert.DoesNotContain(value, readyz);
        Assert.DoesNotContain(value, await proxy.Admin.GetStringAsync("/metrics"));
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains(errorKey, StringComparison.Ordinal));
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains(value, StringComparison.Ordinal));
    }
}
