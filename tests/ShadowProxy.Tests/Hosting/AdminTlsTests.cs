using System.Net;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Hosting;

/// <summary>
/// <c>Admin:Listen: https://…</c> is served with TLS (the <c>Tls</c> certificate), never as plain HTTP
/// under an https URL; without a certificate, or with h2c://, the configuration is refused naming the key.
/// </summary>
public sealed class AdminTlsTests
{
    [Fact]
    public async Task An_https_admin_listener_speaks_TLS_and_not_cleartext()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Admin:Listen"] = "https://127.0.0.1:0";
        config["ShadowProxy:Tls:CertificatePath"] = TestCertificates.SelfSignedPfx();
        await using var proxy = await TestProxy.StartAsync(config);

        Assert.Equal("https", proxy.AdminAddress.Scheme);
        using var tls = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.Subject == "CN=127.0.0.1" },
        })
        { BaseAddress = proxy.AdminAddress };
        using (var healthz = await tls.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        }

        using var migrations = await tls.GetAsync("/api/v1/migrations");
        Assert.Equal(HttpStatusCode.OK, migrations.StatusCode);

        using var cleartext = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new UriBuilder(proxy.AdminAddress) { Scheme = "http" }.Uri };
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => cleartext.GetStringAsync("/healthz"));
    }

    [Theory]
    [InlineData("https://127.0.0.1:0", "ShadowProxy:Tls:CertificatePath")]
    [InlineData("h2c://127.0.0.1:0", "ShadowProxy:Admin:Listen")]
    public async Task An_admin_listener_the_proxy_cannot_serve_as_written_is_refused_naming_the_key(string listen, string key)
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Admin:Listen"] = listen;

        var refused = await Assert.ThrowsAsync<InvalidConfigurationException>(() => TestProxy.StartAsync(config));
        Assert.Contains(refused.Errors, e => e.Key == key);
    }
}
