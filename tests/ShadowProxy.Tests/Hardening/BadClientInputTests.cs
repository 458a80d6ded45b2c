using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ShadowProxy.Tests.Infrastructure;
using static ShadowProxy.Tests.Hardening.HardeningKit;

namespace ShadowProxy.Tests.Hardening;

/// <summary>
/// Bad input from clients, sent on raw sockets: malformed requests, oversized request lines and header
/// blocks, slow heads and bodies, uploads cut short. Kestrel's limits answer them; the proxy stays up,
/// memory stays bounded, and a request the client did not finish is never shadowed.
/// </summary>
public sealed class BadClientInputTests
{
    [Theory]
    [InlineData("GARBAGE\r\n\r\n", 400)]
    [InlineData("GET /api/orders/1 HTTP/1.1\r\nHost: a\r\nNo colon here\r\n\r\n", 400)]
    [InlineData("POST /api/orders HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n", 400)]
    [InlineData("GET /api/orders/1 HTTP/9.9\r\nHost: a\r\n\r\n", 505)]
    [InlineData("LONGURL", 414)]
    [InlineData("HEADERFLOOD", 431)]
    public async Task Malformed_and_oversized_requests_are_refused_and_never_reach_a_backend(string request, int status)
    {
        await using var setup = await Setup.StartAsync();
        var bytes = request switch
        {
            "LONGURL" => $"GET /api/orders/{new string('a', 100 * 1024)} HTTP/1.1\r\nHost: a\r\n\r\n",
            "HEADERFLOOD" => "GET /api/orders/1 HTTP/1.1\r\nHost: a\r\n"
                + string.Concat(Enumerable.Range(0, 200).Select(i => $"X-Flood-{i}: {new string('f', 1000)}\r\n")) + "\r\n",
            _ => request,
        };

        var answer = await RawAsync(setup.Proxy.ProxyAddress, Encoding.Latin1.GetBytes(bytes));

        Assert.StartsWith($"HTTP/1.1 {status} ", answer);
        Assert.Empty(setup.Legacy.Requests);
        await setup.AssertStillServesAndShadowsAsync();
    }

    [Fact]
    public async Task A_slowloris_head_is_cut_off_by_the_request_headers_timeout()
    {
        await using var setup = await Setup.StartAsync();
        using var socket = await ConnectAsync(setup.Proxy.ProxyAddress);
        await socket.SendAsync("GET /api/orders/1 HTTP/1.1\r\nHost: a\r\n"u8.ToArray());
        var clock = Stopwatch.StartNew();

        // A header line every 200 ms: forever, were it not for RequestHeadersTimeout (1 s here).
        var closed = await SendUntilClosedAsync(socket, i => Encoding.ASCII.GetBytes($"X-Slow-{i}: a\r\n"), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10));

        Assert.True(closed, "the proxy kept a slow request head open for 10 s");
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(6));
        Assert.Empty(setup.Legacy.Requests);
        await setup.AssertStillServesAndShadowsAsync();
    }

    [Fact]
    public async Task A_body_trickling_below_the_minimum_data_rate_is_cut_off_and_never_shadowed()
    {
        await using var setup = await Setup.StartAsync();
        using var socket = await ConnectAsync(setup.Proxy.ProxyAddress);
        await socket.SendAsync("POST /api/orders HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"u8.ToArray());

        // 20 bytes per 250 ms = 80 B/s, below Kestrel's 240 B/s minimum (after its 5 s grace).
        var closed = await SendUntilClosedAsync(socket, _ => new byte[20], TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(15));

        Assert.True(closed, "the proxy kept a trickling body open for 15 s");
        await setup.AssertNeverShadowedAsync();
    }

    [Theory]
    [InlineData("POST", 0)]   // legacy primary: the body streams (teed) to legacy
    [InlineData("PUT", 100)]  // candidate primary with failover: the body is buffered before the first attempt
    public async Task An_upload_the_client_resets_halfway_is_never_shadowed(string method, int weight)
    {
        await using var setup = await Setup.StartAsync(weight);
        var heapBefore = ManagedMiB();
        for (var i = 0; i < 5; i++)
        {
            using var socket = await ConnectAsync(setup.Proxy.ProxyAddress);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"{method} /api/orders/{i} HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 400000\r\n\r\n"));
            await socket.SendAsync(new byte[200_000]);
            await Task.Delay(100);
            socket.LingerState = new LingerOption(true, 0);
            socket.Close(); // RST
        }

        await setup.AssertNeverShadowedAsync();
        Assert.True(ManagedMiB() - heapBefore < 64, "aborted uploads left memory behind");
    }

    /// <summary>Sends <paramref name="next"/> every <paramref name="interval"/> until the server closes the connection (true) or <paramref name="bound"/> passes (false).</summary>
    private static async Task<bool> SendUntilClosedAsync(Socket socket, Func<int, byte[]> next, TimeSpan interval, TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; clock.Elapsed < bound; i++)
        {
            try
            {
                await socket.SendAsync(next(i));
                await Task.Delay(interval);
                if (socket.Poll(0, SelectMode.SelectRead))
                {
                    return true;
                }
            }
            catch (SocketException)
            {
                return true;
            }
        }

        return false;
    }

    private static async Task<Socket> ConnectAsync(Uri address)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, address.Port);
        return socket;
    }

    /// <summary>Sends <paramref name="request"/> and reads the answer until the server closes (or 10 s).</summary>
    private static async Task<string> RawAsync(Uri address, byte[] request)
    {
        using var socket = await ConnectAsync(address);
        try
        {
            await socket.SendAsync(request);
        }
        catch (SocketException)
        {
            // The server may answer and close before reading all of an oversized request.
        }

        using var answer = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
            {
                answer.Write(buffer, 0, read);
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
        }

        return Encoding.Latin1.GetString(answer.ToArray());
    }

    /// <summary>A proxy whose shadows include POST and PUT, with a 1 s RequestHeadersTimeout, and its two backends.</summary>
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

        public static async Task<Setup> StartAsync(int weight = 0)
        {
            var legacy = await StartLegacyAsync();
            var candidate = await TestBackend.StartAsync("candidate");
            var config = TestProxy.MigrationConfig(Migration, legacy.Address, candidate.Address);
            config["ShadowProxy:Limits:RequestHeadersTimeout"] = "00:00:01";
            config[Prefix + "Ramp:Stages:0:Weight"] = weight.ToString();
            config[Prefix + "Shadow:Methods:0"] = "GET";
            config[Prefix + "Shadow:Methods:1"] = "POST";
            config[Prefix + "Shadow:Methods:2"] = "PUT";
            return new Setup(legacy, candidate, await TestProxy.StartAsync(config));
        }

        /// <summary>Nothing reached the shadow side, no shadow ended or is in flight; then a normal request still works end to end.</summary>
        public async Task AssertNeverShadowedAsync()
        {
            // Give a wrongly dispatched shadow the time to arrive.
            await Task.Delay(500);
            Assert.DoesNotContain(Candidate.Requests, r => r.IsShadow);
            Assert.DoesNotContain(Legacy.Requests, r => r.IsShadow);
            Assert.Equal(0, Proxy.ShadowsEnded());
            Assert.Equal(0, Proxy.Metrics().ShadowInFlight.WithLabels(Migration).Value);
            await AssertStillServesAndShadowsAsync();
        }

        public async Task AssertStillServesAndShadowsAsync()
        {
            using var response = await Proxy.Client.GetAsync("/api/orders/healthy");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await Eventually.True(() => Proxy.Shadow("completed") == 1, "the healthy request was shadowed");
            await Proxy.AssertHealthyAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await Proxy.DisposeAsync();
            await Candidate.DisposeAsync();
            await Legacy.DisposeAsync();
        }
    }
}
