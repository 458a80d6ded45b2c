using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Admin;

/// <summary>
/// Browser safety (docs/security.md#browser-safety-admin-api), request by request (the Chromium page on another site is in the dashboard
/// tests): writes from another site are 403 and writes with a body that is not JSON are 415, with
/// keys and without, and nothing changes.
/// </summary>
public sealed class BrowserSafetyTests
{
    private const string OperatorKey = "operator-key-0123456789";

    [Theory]
    [InlineData(true, "Origin: http://evil.example")]
    [InlineData(true, "Origin: null")]
    [InlineData(true, "Origin: http://127.0.0.1:1")]
    [InlineData(true, "Sec-Fetch-Site: cross-site")]
    [InlineData(false, "Origin: http://evil.example")]
    [InlineData(false, "Sec-Fetch-Site: cross-site")]
    [InlineData(false, "Origin: http://localhost:{port}")]
    public async Task A_write_from_another_site_is_403_and_changes_nothing(bool withKeys, string header)
    {
        await using var setup = await Setup.StartAsync(withKeys);

        var answer = await setup.PostAsync("/api/v1/migrations/orders/weight", "{\"weight\": 50}", "application/json", header.Replace("{port}", setup.Proxy.AdminAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal(403, answer.Status);
        Assert.StartsWith("application/problem+json", answer.Header("Content-Type"));
        Assert.Contains("another site", answer.Body);
        await setup.AssertUnchangedAsync();
    }

    [Theory]
    [InlineData(true, "text/plain")]
    [InlineData(true, "application/x-www-form-urlencoded")]
    [InlineData(true, "multipart/form-data; boundary=x")]
    [InlineData(true, null)]
    [InlineData(true, "application/json; charset=utf-16")]
    [InlineData(true, "application/vnd.evil+json")]
    [InlineData(false, "text/plain")]
    [InlineData(false, "application/x-www-form-urlencoded")]
    public async Task A_write_whose_body_is_not_json_is_415_and_changes_nothing(bool withKeys, string? contentType)
    {
        await using var setup = await Setup.StartAsync(withKeys);

        var answer = await setup.PostAsync("/api/v1/rollback", "{\"reason\": \"x\"}", contentType, null);

        Assert.Equal(415, answer.Status);
        Assert.StartsWith("application/problem+json", answer.Header("Content-Type"));
        await setup.AssertUnchangedAsync();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_listeners_own_origin_and_tools_without_one_may_write(bool withKeys)
    {
        await using var setup = await Setup.StartAsync(withKeys);
        var own = $"Origin: http://127.0.0.1:{setup.Proxy.AdminAddress.Port}\r\nSec-Fetch-Site: same-origin";

        var fromPage = await setup.PostAsync("/api/v1/migrations/orders/weight", "{\"weight\": 5}", "application/json; charset=utf-8", own);
        var fromTool = await setup.PostAsync("/api/v1/migrations/orders/pause", string.Empty, null, null);

        Assert.Equal(200, fromPage.Status);
        Assert.Equal(200, fromTool.Status);
    }

    [Fact]
    public async Task With_no_keys_a_request_addressed_to_another_host_name_is_403()
    {
        await using var setup = await Setup.StartAsync(withKeys: false);

        // What a page on a DNS name rebound to 127.0.0.1 sends: its own name as Host and Origin, same-origin to itself.
        var answer = await RawHttp.SendAsync(setup.Proxy.AdminAddress,
            $"POST /api/v1/rollback HTTP/1.1\r\nHost: rebound.example:{setup.Proxy.AdminAddress.Port}\r\nOrigin: http://rebound.example:{setup.Proxy.AdminAddress.Port}\r\n"
            + "Content-Type: application/json\r\nContent-Length: 2", "{}"u8.ToArray());
        var read = await RawHttp.SendAsync(setup.Proxy.AdminAddress, "GET /api/v1/migrations HTTP/1.1\r\nHost: rebound.example");

        Assert.Equal(403, answer.Status);
        Assert.Equal(403, read.Status);
        await setup.AssertUnchangedAsync();
    }

    private sealed class Setup : IAsyncDisposable
    {
        private readonly TestBackend _legacy;
        private readonly TestBackend _candidate;
        private readonly bool _withKeys;

        private Setup(TestBackend legacy, TestBackend candidate, TestProxy proxy, bool withKeys)
        {
            _legacy = legacy;
            _candidate = candidate;
            Proxy = proxy;
            _withKeys = withKeys;
        }

        public TestProxy Proxy { get; }

        public static async Task<Setup> StartAsync(bool withKeys)
        {
            var legacy = await TestBackend.StartAsync("legacy");
            var candidate = await TestBackend.StartAsync("candidate");
            var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
            config["ShadowProxy:Migrations:orders:Ramp:Stages:1:Name"] = "half";
            config["ShadowProxy:Migrations:orders:Ramp:Stages:1:Weight"] = "50";
            if (withKeys)
            {
                config["ShadowProxy:Admin:ApiKeys:0:Name"] = "operator";
                config["ShadowProxy:Admin:ApiKeys:0:Role"] = "Operator";
                config["ShadowProxy:Admin:ApiKeys:0:Key"] = OperatorKey;
            }

            var proxy = await TestProxy.StartAsync(config);
            if (withKeys)
            {
                proxy.Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OperatorKey);
            }

            return new Setup(legacy, candidate, proxy, withKeys);
        }

        /// <summary>A raw POST (a client library would add or fix headers), with the Operator key when there are keys.</summary>
        public Task<RawAnswer> PostAsync(string path, string body, string? contentType, string? extraHeaders)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            var head = new StringBuilder($"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{Proxy.AdminAddress.Port}\r\nContent-Length: {bytes.Length}\r\n");
            if (_withKeys)
            {
                head.Append($"Authorization: Bearer {OperatorKey}\r\n");
            }

            if (contentType is not null)
            {
                head.Append($"Content-Type: {contentType}\r\n");
            }

            if (extraHeaders is not null)
            {
                head.Append(extraHeaders).Append("\r\n");
            }

            return RawHttp.SendAsync(Proxy.AdminAddress, head.ToString(), bytes);
        }

        public async Task AssertUnchangedAsync()
        {
            using var migration = JsonDocument.Parse(await Proxy.Admin.GetStringAsync("/api/v1/migrations/orders"));
            Assert.Equal("Shadowing", migration.RootElement.GetProperty("status").GetString());
            Assert.Equal(0m, migration.RootElement.GetProperty("weight").GetDecimal());
            using var audit = JsonDocument.Parse(await Proxy.Admin.GetStringAsync("/api/v1/audit"));
            Assert.Empty(audit.RootElement.EnumerateArray());
        }

        public async ValueTask DisposeAsync()
        {
            await Proxy.DisposeAsync();
            await _legacy.DisposeAsync();
            await _candidate.DisposeAsync();
        }
    }
}
