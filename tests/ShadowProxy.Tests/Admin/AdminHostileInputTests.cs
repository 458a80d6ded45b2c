using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Admin;

/// <summary>
/// docs/security.md on the admin API, as an attacker with loopback access sees it: capped bodies read only
/// after authorization, problem+json for every malformed input, paths matched as sent, no-store and
/// nosniff on every answer. Real Kestrel listeners, raw sockets where a client library would tidy up.
/// </summary>
public sealed class AdminHostileInputTests : IAsyncLifetime
{
    private const string SreKey = "sre-key-0123456789abc";
    private const string OperatorKey = "operator-key-0123456789";

    private TestBackend? _legacy;
    private TestBackend? _candidate;
    private TestProxy? _proxy;

    private TestProxy Proxy => _proxy!;

    public async Task InitializeAsync()
    {
        _legacy = await TestBackend.StartAsync("legacy");
        _candidate = await TestBackend.StartAsync("candidate");
        var config = TestProxy.MigrationConfig("orders", _legacy.Address, _candidate.Address);
        config["ShadowProxy:Migrations:orders:Ramp:Stages:1:Name"] = "canary";
        config["ShadowProxy:Migrations:orders:Ramp:Stages:1:Weight"] = "5";
        config["ShadowProxy:Admin:ApiKeys:0:Name"] = "sre";
        config["ShadowProxy:Admin:ApiKeys:0:Role"] = "Sre";
        config["ShadowProxy:Admin:ApiKeys:0:Key"] = SreKey;
        config["ShadowProxy:Admin:ApiKeys:1:Name"] = "operator";
        config["ShadowProxy:Admin:ApiKeys:1:Role"] = "Operator";
        config["ShadowProxy:Admin:ApiKeys:1:Key"] = OperatorKey;
        _proxy = await TestProxy.StartAsync(config);
    }

    public async Task DisposeAsync()
    {
        await _proxy!.DisposeAsync();
        await _legacy!.DisposeAsync();
        await _candidate!.DisposeAsync();
    }

    [Fact]
    public async Task A_chunked_body_over_64_KiB_is_refused_with_413_and_changes_nothing()
    {
        var chunk = Encoding.ASCII.GetBytes(new string('a', 8192));
        var body = new MemoryStream();
        body.Write("{\"reason\": \""u8);
        for (var i = 0; i < 16; i++)
        {
            body.Write(chunk);
        }

        body.Write("\"}"u8);
        using var request = Request(HttpMethod.Post, "/api/v1/migrations/orders/rollback", SreKey);
        request.Content = new StreamContent(new MemoryStream(body.ToArray()));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = true;

        using var response = await Proxy.Admin.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "65536");
        Assert.Equal("Shadowing", await StatusAsync());
        Assert.Empty(await AuditAsync());
    }

    [Fact]
    public async Task A_declared_length_over_64_KiB_is_refused_with_413_unread()
    {
        // Only the head is sent: the answer comes without the proxy waiting for 100 KB it will not read.
        var answer = await RawHttp.SendAsync(Proxy.AdminAddress,
            $"POST /api/v1/migrations/orders/noise HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {OperatorKey}\r\nContent-Type: application/json\r\nContent-Length: 102400");

        Assert.Equal(413, answer.Status);
        Assert.StartsWith("application/problem+json", answer.Header("Content-Type"));
    }

    [Fact]
    public async Task A_body_is_not_read_before_the_caller_is_authenticated()
    {
        // A chunked head with no chunk after it: the proxy answers 401 without waiting for the body.
        var answer = await RawHttp.SendAsync(Proxy.AdminAddress,
            "POST /api/v1/migrations/orders/rollback HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked");

        Assert.Equal(401, answer.Status);
        Assert.StartsWith("application/problem+json", answer.Header("Content-Type"));
    }

    [Theory]
    [InlineData("{\"reason\": \"\xC3\x28\"}", "UTF-8")]
    [InlineData("{\"reason\": ", "not valid JSON")]
    [InlineData("[1, 2]", "JSON object")]
    [InlineData("{\"reason\": 5}", "reason must be a string")]
    [InlineData("{\"weight\": 1e-30}", "weight")]
    [InlineData("{\"weight\": 12.345}", "two decimals")]
    [InlineData("{\"weight\": 100.01}", "0..100")]
    [InlineData("{\"weight\": -1}", "0..100")]
    [InlineData("{\"weight\": \"12\"}", "weight")]
    [InlineData("{\"weight\": null}", "weight")]
    [InlineData("{\"weight\": 1e400}", "weight")]
    [InlineData("{}", "needs a weight")]
    public async Task Malformed_command_bodies_are_400_problem_json_with_the_reason(string body, string reason)
    {
        using var request = Request(HttpMethod.Post, "/api/v1/migrations/orders/weight", OperatorKey);
        request.Content = new ByteArrayContent(Encoding.Latin1.GetBytes(body));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await Proxy.Admin.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, reason);
        Assert.Equal(0m, await WeightAsync());
    }

    [Theory]
    [InlineData("12.5", 12.5)]
    [InlineData("1.25e1", 12.5)]
    [InlineData("5.00", 5)]
    public async Task A_weight_written_exactly_is_set_exactly(string weight, double expected)
    {
        using var response = await SendJsonAsync(HttpMethod.Post, "/api/v1/migrations/orders/weight", OperatorKey, $"{{\"weight\": {weight}}}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((decimal)expected, await WeightAsync());
    }

    [Theory]
    [InlineData("/api/v1/audit?limit=abc", "limit")]
    [InlineData("/api/v1/audit?limit=1e9", "limit")]
    [InlineData("/api/v1/audit?limit=1&limit=2", "limit")]
    [InlineData("/api/v1/audit?limit=0", "limit")]
    [InlineData("/api/v1/audit?before=x", "before")]
    [InlineData("/api/v1/migrations/orders/diffs?limit=abc", "limit")]
    [InlineData("/api/v1/migrations/orders/diffs/summary?limit=1&limit=2", "limit")]
    [InlineData("/api/v1/migrations/orders/diffs/abc", "sample id")]
    [InlineData("/api/v1/migrations/orders/report?format=xml", "format")]
    public async Task Bad_query_values_are_400_problem_json_with_the_reason(string path, string reason)
    {
        using var response = await Proxy.Admin.SendAsync(Request(HttpMethod.Get, path, SreKey));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, reason);
    }

    [Theory]
    [InlineData("GET", "/api/v1/no-such-thing", SreKey, 404)]
    [InlineData("GET", "/api/v1/no-such-thing", null, 401)]
    [InlineData("GET", "/api/v2/migrations", null, 404)]
    [InlineData("GET", "/api", null, 404)]
    [InlineData("GET", "/api/v1/migrations/nope", SreKey, 404)]
    [InlineData("GET", "/api/v1/rollback", SreKey, 404)]
    [InlineData("PUT", "/api/v1/migrations/orders", SreKey, 404)]
    [InlineData("GET", "/api/v1/migrations", null, 401)]
    [InlineData("GET", "/api/v1/migrations", "not-a-key-at-all-0000", 401)]
    [InlineData("POST", "/api/v1/migrations/orders/promote", SreKey, 403)]
    [InlineData("GET", "/no-such-page", null, 404)]
    public async Task Every_admin_error_is_problem_json_with_a_detail(string method, string path, string? key, int status)
    {
        using var response = await Proxy.Admin.SendAsync(Request(new HttpMethod(method), path, key));

        await AssertProblemAsync(response, (HttpStatusCode)status, string.Empty);
    }

    [Theory]
    [InlineData("/api/v1/migrations/%2e%2e/rollback")]
    [InlineData("/api/v1/migrations/%2E%2E/rollback")]
    [InlineData("/api/v1/migrations/.%2e/rollback")]
    [InlineData("/api/v1/migrations/../rollback")]
    [InlineData("/api/v1/migrations/orders/./rollback/..")]
    [InlineData("/api/v1/x/%2e%2e/migrations/orders/rollback")]
    public async Task A_dot_segment_path_is_404_and_rolls_nothing_back(string target)
    {
        await SendJsonAsync(HttpMethod.Post, "/api/v1/migrations/orders/weight", OperatorKey, "{\"weight\": 5}");

        // Raw: HttpClient would normalise the dot-segments itself before sending.
        var answer = await RawHttp.SendAsync(Proxy.AdminAddress,
            $"POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {SreKey}\r\nContent-Length: 0");

        Assert.Equal(404, answer.Status);
        Assert.StartsWith("application/problem+json", answer.Header("Content-Type"));
        Assert.Equal(5m, await WeightAsync());
        Assert.DoesNotContain(await AuditAsync(), e => e.GetProperty("action").GetString()!.Contains("rollback", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("/api/v1/migrations", SreKey)]
    [InlineData("/api/v1/migrations/nope", SreKey)]
    [InlineData("/api/v1/migrations", null)]
    [InlineData("/readyz", null)]
    [InlineData("/metrics", null)]
    [InlineData("/healthz", null)]
    public async Task Admin_answers_are_not_stored_nor_sniffed(string path, string? key)
    {
        using var response = await Proxy.Admin.SendAsync(Request(HttpMethod.Get, path, key));

        Assert.True(response.Headers.CacheControl?.NoStore, path + " lacks Cache-Control: no-store");
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string? key)
    {
        var request = new HttpRequestMessage(method, path);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return request;
    }

    private Task<HttpResponseMessage> SendJsonAsync(HttpMethod method, string path, string key, string json)
    {
        var request = Request(method, path, key);
        request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return Proxy.Admin.SendAsync(request);
    }

    private async Task<JsonElement> MigrationAsync()
    {
        using var response = await Proxy.Admin.SendAsync(Request(HttpMethod.Get, "/api/v1/migrations/orders", SreKey));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private async Task<string?> StatusAsync() => (await MigrationAsync()).GetProperty("status").GetString();

    private async Task<decimal> WeightAsync() => (await MigrationAsync()).GetProperty("weight").GetDecimal();

    private async Task<List<JsonElement>> AuditAsync()
    {
        using var response = await Proxy.Admin.SendAsync(Request(HttpMethod.Get, "/api/v1/audit", SreKey));
        return [.. JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.EnumerateArray()];
    }

    internal static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailContains)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode} instead of {(int)status}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var detail = JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString();
        Assert.False(string.IsNullOrWhiteSpace(detail), "the problem has no detail");
        Assert.Contains(detailContains, detail, StringComparison.OrdinalIgnoreCase);
    }
}
