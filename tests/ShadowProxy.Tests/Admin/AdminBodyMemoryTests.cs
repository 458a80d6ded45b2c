using System.Net;
using System.Net.Sockets;
using System.Text;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Admin;

/// <summary>
/// docs/security.md: admin bodies are capped whatever their framing. The probe that found it sent three
/// concurrent 90 MB chunked rollback bodies with an Sre key and took the process from 196 MB to 1.42 GB.
/// Here a real proxy process gets three concurrent 10 MB chunked bodies; its resident memory must not
/// grow by even one of them.
/// </summary>
public sealed class AdminBodyMemoryTests
{
    private const string SreKey = "sre-key-0123456789abc";
    private const int BodyBytes = 10 * 1024 * 1024;

    [Fact]
    public async Task Three_chunked_10_MB_admin_bodies_are_refused_with_413_before_they_are_buffered()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var store = Path.Combine(Path.GetTempPath(), "shadowproxy-tests", Guid.NewGuid().ToString("N"), "shadowproxy.db");
        var config = $$"""
            {
              "ShadowProxy": {
                "Listen": ["http://127.0.0.1:0"],
                "Admin": { "Listen": "http://127.0.0.1:0", "ApiKeys": [ { "Name": "sre", "Role": "Sre", "Key": "{{SreKey}}" } ] },
                "Store": { "Sqlite": { "Path": "{{store.Replace("\\", "/", StringComparison.Ordinal)}}" } },
                "Migrations": { "orders": {
                  "Routes": [ { "Path": "/api/{**rest}" } ],
                  "Legacy": { "Address": "{{legacy.Address}}" },
                  "Candidate": { "Address": "{{candidate.Address}}" },
                  "Ramp": { "AutoAdvance": false, "AutomaticRollback": false, "Stages": [ { "Name": "shadow", "Weight": 0 } ] } } }
              }
            }
            """;
        var (process, _, admin) = await ProxyProcess.StartListeningAsync(config);
        await using (process)
        {
            // Warm up the same path (JIT, pools) with one refused body first, so the measurement sees only the bodies.
            Assert.Equal(413, await SendChunkedAsync(admin, 256 * 1024));
            var before = ResidentBytes(process);

            var statuses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SendChunkedAsync(admin, BodyBytes)));

            var grown = ResidentBytes(process) - before;
            Assert.All(statuses, status => Assert.Equal(413, status));
            Assert.True(grown < BodyBytes, $"the proxy's resident memory grew by {grown / (1024 * 1024)} MiB for three refused 10 MiB bodies");

            using var client = new HttpClient { BaseAddress = admin };
            client.DefaultRequestHeaders.Authorization = new("Bearer", SreKey);
            Assert.Contains("\"status\":\"Shadowing\"", await client.GetStringAsync("/api/v1/migrations/orders"));
        }
    }

    /// <summary>Streams a chunked JSON body of <paramref name="size"/> bytes until the proxy answers or stops reading; returns the status.</summary>
    private static async Task<int> SendChunkedAsync(Uri admin, int size)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, admin.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            $"POST /api/v1/migrations/orders/rollback HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {SreKey}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"));
        var chunk = Encoding.ASCII.GetBytes($"10000\r\n{new string('a', 0x10000)}\r\n");
        var receive = ReceiveAsync(socket);
        try
        {
            for (var sent = 0; sent < size && !receive.IsCompleted; sent += 0x10000)
            {
                await socket.SendAsync(chunk);
            }
        }
        catch (SocketException)
        {
            // The proxy answered and closed the connection: it stopped reading, as it should.
        }

        var answer = await receive;
        return RawHttp.Parse(answer).Status;
    }

    private static async Task<string> ReceiveAsync(Socket socket)
    {
        var answer = new StringBuilder();
        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
            {
                answer.Append(Encoding.Latin1.GetString(buffer, 0, read));
            }
        }
        catch (SocketException)
        {
        }

        return answer.ToString();
    }

    private static long ResidentBytes(ProxyProcess process)
    {
        process.Process.Refresh();
        return process.Process.WorkingSet64;
    }
}
