using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Capture;

/// <summary>
/// docs/security.md, as a hostile client sees the data path: a client cannot speak for the proxy, and the
/// shadow copy is the upstream request the primary got, plus the marker. Sent on raw sockets, so the
/// headers reach the proxy exactly as written.
/// </summary>
public sealed class UpstreamRequestTests
{
    [Theory]
    [InlineData("X-Shadow-Request: false")]
    [InlineData("X-Shadow-Request: true")]
    [InlineData("X-Shadow-Request: true\r\nX-Shadow-Request: false")]
    [InlineData("x-shadow-request: 1, true")]
    public async Task A_client_sent_marker_never_reaches_legacy_and_the_shadow_carries_exactly_one_true(string spoofed)
    {
        await using var setup = await Setup.StartAsync();

        var answer = await RawHttp.SendAsync(setup.Proxy.ProxyAddress, $"GET /api/orders/7 HTTP/1.1\r\nHost: shop.example\r\n{spoofed}");

        Assert.Equal(200, answer.Status);
        var (primary, shadow) = await setup.PairAsync("/api/orders/7");
        Assert.Null(primary.Header("X-Shadow-Request"));
        Assert.Equal("true", shadow.Header("X-Shadow-Request"));
    }

    [Fact]
    public async Task A_client_sent_marker_is_also_removed_when_the_candidate_is_primary()
    {
        await using var setup = await Setup.StartAsync(weight: 100);

        await RawHttp.SendAsync(setup.Proxy.ProxyAddress, "GET /api/orders/8 HTTP/1.1\r\nHost: shop.example\r\nX-Shadow-Request: true");

        // Reverse shadow: the candidate serves, legacy gets the copy.
        await Eventually.True(() => setup.Legacy.Requests.Count == 1, "legacy got the reverse shadow");
        Assert.Null(Assert.Single(setup.Candidate.Requests).Header("X-Shadow-Request"));
        Assert.Equal("true", Assert.Single(setup.Legacy.Requests).Header("X-Shadow-Request"));
    }

    [Fact]
    public async Task Legacy_and_candidate_receive_the_same_forwarding_headers_set_by_the_proxy()
    {
        await using var setup = await Setup.StartAsync();

        await RawHttp.SendAsync(setup.Proxy.ProxyAddress,
            "GET /api/orders/9?x=1 HTTP/1.1\r\nHost: shop.example\r\n"
            + "X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Host: evil.example\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Prefix: /evil\r\n"
            + "Forwarded: for=6.6.6.6;host=evil.example;proto=https");

        var (primary, shadow) = await setup.PairAsync("/api/orders/9");
        foreach (var (name, expected) in new[] { ("X-Forwarded-For", "127.0.0.1"), ("X-Forwarded-Host", "shop.example"), ("X-Forwarded-Proto", "http") })
        {
            Assert.Equal(expected, primary.Header(name));
            Assert.Equal(expected, shadow.Header(name));
        }

        foreach (var name in new[] { "X-Forwarded-Prefix", "Forwarded" })
        {
            Assert.Null(primary.Header(name));
            Assert.Null(shadow.Header(name));
        }
    }

    [Fact]
    public async Task Headers_named_in_Connection_and_hop_by_hop_headers_reach_neither_backend()
    {
        await using var setup = await Setup.StartAsync();

        await RawHttp.SendAsync(setup.Proxy.ProxyAddress,
            "GET /api/orders/10 HTTP/1.1\r\nHost: shop.example\r\n"
            + "Connection: X-Hop-Custom, X-Third-Hop\r\nConnection: X-Other-Hop\r\n"
            + "X-Hop-Custom: secret-for-the-next-hop\r\nX-Other-Hop: also\r\nX-Third-Hop: 3\r\n"
            + "Keep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: Basic abc\r\nProxy-Connection: keep-alive\r\nX-End-To-End: kept");

        var (primary, shadow) = await setup.PairAsync("/api/orders/10");
        foreach (var request in new[] { primary, shadow })
        {
            foreach (var name in new[] { "X-Hop-Custom", "X-Other-Hop", "X-Third-Hop", "Keep-Alive", "TE", "Proxy-Authorization", "Proxy-Connection" })
            {
                Assert.Null(request.Header(name));
            }

            Assert.Equal("kept", request.Header("X-End-To-End"));
        }
    }

    [Fact]
    public async Task A_content_header_named_in_Connection_is_dropped_too_while_the_body_still_arrives_whole()
    {
        await using var setup = await Setup.StartAsync(methods: ["POST"]);
        var body = "{\"sku\":\"A-1\"}"u8.ToArray();

        await RawHttp.SendAsync(setup.Proxy.ProxyAddress,
            $"POST /api/orders/11 HTTP/1.1\r\nHost: shop.example\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n"
            + "Content-Language: de\r\nConnection: Content-Language, Content-Length", body);

        var (primary, shadow) = await setup.PairAsync("/api/orders/11");
        foreach (var request in new[] { primary, shadow })
        {
            Assert.Null(request.Header("Content-Language"));
            Assert.Equal("application/json", request.Header("Content-Type"));
            Assert.Equal(body, request.Body);
        }
    }

    [Fact]
    public async Task The_shadow_is_the_primary_request_plus_the_marker_header_for_header()
    {
        await using var setup = await Setup.StartAsync(methods: ["PUT"]);
        var body = new byte[3000];
        Random.Shared.NextBytes(body);

        // Chunked, so the copy's framing differs (it is sized once whole); everything else must not.
        var chunked = System.Text.Encoding.Latin1.GetBytes($"{body.Length:x}\r\n").Concat(body).Concat("\r\n0\r\n\r\n"u8.ToArray()).ToArray();
        await RawHttp.SendAsync(setup.Proxy.ProxyAddress,
            "PUT /api/orders/12?a=1&b=%20two HTTP/1.1\r\nHost: shop.example\r\nTransfer-Encoding: chunked\r\nContent-Type: application/octet-stream\r\n"
            + "Authorization: Bearer user-token\r\nCookie: a=1; b=2\r\nAccept: application/json\r\nX-Multi: one\r\nX-Multi: two\r\n"
            + "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\nX-Forwarded-For: 6.6.6.6", chunked);

        var (primary, shadow) = await setup.PairAsync("/api/orders/12");
        Assert.Equal(primary.Method, shadow.Method);
        Assert.Equal(primary.Query, shadow.Query);
        Assert.Equal(body, primary.Body);
        Assert.Equal(body, shadow.Body);

        // Differences allowed: the marker, the destination's Host, body framing, and the trace context (the shadow is its own trace).
        string[] perCopy = ["X-Shadow-Request", "Host", "Content-Length", "Transfer-Encoding", "traceparent", "tracestate"];
        var expected = primary.Headers.Where(h => !perCopy.Contains(h.Key, StringComparer.OrdinalIgnoreCase)).OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase).ToList();
        var actual = shadow.Headers.Where(h => !perCopy.Contains(h.Key, StringComparer.OrdinalIgnoreCase)).OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase).ToList();
        Assert.Equal(expected, actual);
        Assert.Equal("one, two", shadow.Header("X-Multi"));
        Assert.Equal("127.0.0.1", shadow.Header("X-Forwarded-For"));
        Assert.Equal(body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), shadow.Header("Content-Length"));
    }

    private sealed class Setup : IAsyncDisposable
    {
        private Setup(TestBackend legacy, TestBackend candidate, TestProxy proxy)
        {
            Legacy = legacy;
            Candidate = candidate;
            Proxy = proxy;
        }

        public TestBackend Legacy { get; }

        public TestBackend Candidate { get; }

        public TestProxy Proxy { get; }

        public static async Task<Setup> StartAsync(int weight = 0, string[]? methods = null)
        {
            var legacy = await TestBackend.StartAsync("legacy");
            var candidate = await TestBackend.StartAsync("candidate");
            var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
            config["ShadowProxy:Migrations:orders:Ramp:Stages:0:Weight"] = weight.ToString(System.Globalization.CultureInfo.InvariantCulture);
            config["ShadowProxy:Migrations:orders:Failover:Enabled"] = "false";
            foreach (var (method, i) in (methods ?? ["GET"]).Select((m, i) => (m, i)))
            {
                config[$"ShadowProxy:Migrations:orders:Shadow:Methods:{i}"] = method;
            }

            return new Setup(legacy, candidate, await TestProxy.StartAsync(config));
        }

        /// <summary>The request legacy served and the shadow the candidate got, for one path.</summary>
        public async Task<(ReceivedRequest Primary, ReceivedRequest Shadow)> PairAsync(string path)
        {
            await Eventually.True(() => Candidate.Requests.Any(r => r.Path == path), "the candidate got the shadow of " + path);
            return (Assert.Single(Legacy.Requests, r => r.Path == path), Assert.Single(Candidate.Requests, r => r.Path == path));
        }

        public async ValueTask DisposeAsync()
        {
            await Proxy.DisposeAsync();
            await Legacy.DisposeAsync();
            await Candidate.DisposeAsync();
        }
    }
}
