using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Proxy;

/// <summary>HTTP/2 from clients, streaming responses and Server-Sent Events unbuffered, WebSockets to the primary only.</summary>
public sealed class ProtocolTests
{
    [Fact]
    public async Task Http2_over_tls_is_served_and_mirrored()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var certificate = TestCertificates.SelfSignedPfx();
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Listen:0"] = "https://127.0.0.1:0";
        config["ShadowProxy:Tls:CertificatePath"] = certificate;
        await using var proxy = await TestProxy.StartAsync(config);

        using var client = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        })
        {
            BaseAddress = proxy.ProxyAddress,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await client.GetAsync("/api/orders/1");

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("legacy", response.Headers.GetValues("X-Backend").Single());
        await Eventually.True(() => candidate.Requests.Count == 1, "the HTTP/2 request was mirrored");
    }

    [Fact]
    public async Task Http2_with_prior_knowledge_on_an_h2c_listener()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Listen:0"] = "h2c://127.0.0.1:0";
        await using var proxy = await TestProxy.StartAsync(config);

        using var client = new HttpClient
        {
            BaseAddress = proxy.ProxyAddress,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await client.GetAsync("/api/orders/1");

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("legacy", response.Headers.GetValues("X-Backend").Single());
    }

    [Fact]
    public async Task Server_sent_events_reach_the_client_while_the_backend_is_still_streaming_and_are_not_mirrored()
    {
        var finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var legacy = await TestBackend.StartAsync("legacy", async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("data: first\n\n");
            await context.Response.Body.FlushAsync();
            await finish.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await context.Response.WriteAsync("data: last\n\n");
        });
        await using var candidate = await TestBackend.StartAsync("candidate");
        await using var proxy = await TestProxy.StartAsync(TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/events");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await proxy.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        // The first event arrives while the backend is still holding the stream open.
        Assert.Equal("data: first", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.False(finish.Task.IsCompleted);
        finish.SetResult();
        Assert.Equal(string.Empty, await reader.ReadLineAsync());
        Assert.Equal("data: last", await reader.ReadLineAsync());
        Assert.Empty(candidate.Requests);
    }

    [Fact]
    public async Task A_large_streamed_response_passes_through_whole()
    {
        const int chunks = 400;
        var chunk = DataPathTests.RandomBytes(64 * 1024, seed: 9);
        await using var legacy = await TestBackend.StartAsync("legacy", async context =>
        {
            context.Response.ContentType = "application/octet-stream";
            for (var i = 0; i < chunks; i++)
            {
                await context.Response.Body.WriteAsync(chunk);
            }
        });
        await using var candidate = await TestBackend.StartAsync("candidate");
        await using var proxy = await TestProxy.StartAsync(TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address));

        using var response = await proxy.Client.GetAsync("/api/export", HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }

        using var expected = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (var i = 0; i < chunks; i++)
        {
            expected.AppendData(chunk);
        }

        Assert.Equal((long)chunks * chunk.Length, total);
        Assert.Equal(expected.GetHashAndReset(), hash.GetHashAndReset());
    }

    [Fact]
    public async Task WebSocket_upgrades_go_to_the_primary_and_are_never_mirrored()
    {
        await using var legacy = await TestBackend.StartAsync("legacy", async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 400;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[1024];
            var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
            await socket.SendAsync(Encoding.UTF8.GetBytes("echo:" + Encoding.UTF8.GetString(buffer, 0, received.Count)), WebSocketMessageType.Text, true, CancellationToken.None);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        }, app => app.UseWebSockets());
        await using var candidate = await TestBackend.StartAsync("candidate");
        await using var proxy = await TestProxy.StartAsync(TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address));

        using var client = new ClientWebSocket();
        var uri = new UriBuilder(proxy.ProxyAddress) { Scheme = "ws", Path = "/api/live" }.Uri;
        await client.ConnectAsync(uri, new CancellationTokenSource(TimeSpan.FromSeconds(15)).Token);
        await client.SendAsync(Encoding.UTF8.GetBytes("hello"), WebSocketMessageType.Text, true, CancellationToken.None);
        var reply = new byte[1024];
        var result = await client.ReceiveAsync(reply, new CancellationTokenSource(TimeSpan.FromSeconds(15)).Token);

        Assert.Equal("echo:hello", Encoding.UTF8.GetString(reply, 0, result.Count));
        await Task.Delay(100);
        Assert.Empty(candidate.Requests);
    }
}
