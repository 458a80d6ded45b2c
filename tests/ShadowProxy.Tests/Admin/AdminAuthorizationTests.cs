using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Admin;

/// <summary>docs/admin-api.md#roles-and-keys roles: Viewer reads, Sre reads, pauses and rolls back, Operator does everything.</summary>
public sealed class AdminAuthorizationTests : IAsyncLifetime
{
    private const string ViewerKey = "viewer-key-0123456789";
    private const string SreKey = "sre-key-0123456789abc";
    private const string OperatorKey = "operator-key-0123456789";

    private TestBackend? _legacy;
    private TestBackend? _candidate;
    private TestProxy? _proxy;

    public static TheoryData<string, string, string> Endpoints => new()
    {
        // method, path, least role
        { "GET", "/api/v1/migrations", "Viewer" },
        { "GET", "/api/v1/migrations/orders", "Viewer" },
        { "GET", "/api/v1/migrations/orders/diffs/summary", "Viewer" },
        { "GET", "/api/v1/migrations/orders/diffs", "Viewer" },
        { "GET", "/api/v1/migrations/orders/report", "Viewer" },
        { "GET", "/api/v1/audit", "Viewer" },
        { "GET", "/api/v1/whoami", "Viewer" },
        { "GET", "/api/v1/migrations/orders/history", "Viewer" },
        { "POST", "/api/v1/migrations/orders/pause", "Sre" },
        { "POST", "/api/v1/migrations/orders/resume", "Sre" },
        { "POST", "/api/v1/migrations/orders/rollback", "Sre" },
        { "POST", "/api/v1/rollback", "Sre" },
        { "POST", "/api/v1/migrations/orders/promote", "Operator" },
        { "POST", "/api/v1/migrations/orders/weight", "Operator" },
        { "POST", "/api/v1/migrations/orders/noise", "Operator" },
        { "DELETE", "/api/v1/migrations/orders/noise", "Operator" },
    };

    public async Task InitializeAsync()
    {
        _legacy = await TestBackend.StartAsync("legacy");
        _candidate = await TestBackend.StartAsync("candidate");
        var config = TestProxy.MigrationConfig("orders", _legacy.Address, _candidate.Address);
        config["ShadowProxy:Admin:ApiKeys:0:Name"] = "viewer";
        config["ShadowProxy:Admin:ApiKeys:0:Role"] = "Viewer";
        config["ShadowProxy:Admin:ApiKeys:0:Key"] = ViewerKey;
        config["ShadowProxy:Admin:ApiKeys:1:Name"] = "sre";
        config["ShadowProxy:Admin:ApiKeys:1:Role"] = "Sre";
        config["ShadowProxy:Admin:ApiKeys:1:Key"] = SreKey;
        config["ShadowProxy:Admin:ApiKeys:2:Name"] = "operator";
        config["ShadowProxy:Admin:ApiKeys:2:Role"] = "Operator";
        config["ShadowProxy:Admin:ApiKeys:2:KeySha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(OperatorKey)));
        _proxy = await TestProxy.StartAsync(config);
    }

    public async Task DisposeAsync()
    {
        await _proxy!.DisposeAsync();
        await _candidate!.DisposeAsync();
        await _legacy!.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Each_role_gets_exactly_the_endpoints_it_may_use(string method, string path, string leastRole)
    {
        var roles = new[] { ("Viewer", ViewerKey), ("Sre", SreKey), ("Operator", OperatorKey) };
        var least = Array.FindIndex(roles, r => r.Item1 == leastRole);
        for (var i = 0; i < roles.Length; i++)
        {
            using var response = await SendAsync(method, path, roles[i].Item2);
            if (i < least)
            {
                Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{roles[i].Item1} {method} {path}: {(int)response.StatusCode}");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.Contains(leastRole, await response.Content.ReadAsStringAsync());
            }
            else
            {
                Assert.True(response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden),
                    $"{roles[i].Item1} {method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }
    }

    [Theory]
    [InlineData(ViewerKey, "viewer", "Viewer")]
    [InlineData(OperatorKey, "operator", "Operator")]
    public async Task Whoami_names_the_key_and_its_role(string key, string name, string role)
    {
        using var response = await SendAsync("GET", "/api/v1/whoami", key);
        var me = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(name, me.GetProperty("name").GetString());
        Assert.Equal(role, me.GetProperty("role").GetString());
        Assert.False(me.GetProperty("open").GetBoolean());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-configured-key-at-all")]
    public async Task Missing_or_unknown_keys_get_401_problem_json(string? key)
    {
        using var response = await SendAsync("GET", "/api/v1/migrations", key);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task Health_and_metrics_need_no_key(string path)
    {
        using var response = await SendAsync("GET", path, null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Unknown_migration_is_404_and_bad_input_400()
    {
        using var unknown = await SendAsync("POST", "/api/v1/migrations/nope/rollback", OperatorKey);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("nope", await unknown.Content.ReadAsStringAsync());

        using var badWeight = await SendAsync("POST", "/api/v1/migrations/orders/weight", OperatorKey, """{"weight": 120}""");
        Assert.Equal(HttpStatusCode.BadRequest, badWeight.StatusCode);
        using var notJson = await SendAsync("POST", "/api/v1/migrations/orders/weight", OperatorKey, "{weight:");
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Contains("not valid JSON", await notJson.Content.ReadAsStringAsync());
        using var missing = await SendAsync("POST", "/api/v1/migrations/orders/weight", OperatorKey, "{}");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
    }

    private Task<HttpResponseMessage> SendAsync(string method, string path, string? key, string? body = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        if (method != "GET")
        {
            request.Content = new StringContent(body ?? DefaultBody(path), Encoding.UTF8, "application/json");
        }

        return _proxy!.Admin.SendAsync(request);
    }

    private static string DefaultBody(string path) =>
        path.EndsWith("/weight", StringComparison.Ordinal) ? """{"weight": 1}"""
        : path.EndsWith("/noise", StringComparison.Ordinal) ? """{"path": "$.meta.requestId"}"""
        : """{"reason": "test"}""";
}
