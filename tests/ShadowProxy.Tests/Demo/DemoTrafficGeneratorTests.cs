using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using ShadowProxy.Demo;

namespace ShadowProxy.Tests.Demo;

public sealed partial class DemoTrafficGeneratorTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task SendsPoolUsersWithBearerTokens_ThenStopsWhenCancelled()
    {
        var received = new ConcurrentQueue<(string Method, string Path, string? User, string? Authorization)>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var proxy = await LoopbackWebApp.StartAsync(
            app => app.Run(async context =>
            {
                received.Enqueue((context.Request.Method, context.Request.Path, context.Request.Headers["X-User-Id"], context.Request.Headers.Authorization));
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("{}", context.RequestAborted);
            }),
            loggerFactory: null,
            "stand-in-proxy",
            timeout.Token);

        using var generator = new DemoTrafficGenerator(proxy.Address, NullLogger<DemoTrafficGenerator>.Instance, requestsPerSecond: 50, maxConcurrency: 4);
        await generator.StartAsync(timeout.Token);
        Assert.True(await DemoTestWaits.UntilAsync(() => received.Count >= 30, Patience), $"only {received.Count} requests arrived");

        await generator.StopAsync(timeout.Token);
        Assert.True(generator.ExecuteTask!.IsCompletedSuccessfully);
        var countAtStop = received.Count;

        var users = received.Where(r => r.Path != "/api/health" || r.User is not null).Select(r => r.User).ToList();
        Assert.NotEmpty(users);
        Assert.All(users, user =>
        {
            Assert.Matches(UserIdPattern(), user);
            Assert.InRange(int.Parse(user![5..], System.Globalization.CultureInfo.InvariantCulture), 1, DemoTrafficMix.UserPoolSize);
        });
        Assert.True(users.Distinct().Count() > 1, "users are drawn from a pool, not a single one");
        Assert.All(received.Where(r => r.User is not null), r => Assert.StartsWith("Bearer " + DemoTrafficMix.TokenPrefix, r.Authorization));
        Assert.All(received, r => Assert.StartsWith("/api/", r.Path));
        Assert.True(generator.RequestsSent > 0);

        // Requests already on the wire when StopAsync cancelled them may still land (at most one per
        // concurrency slot); after that, nothing more arrives.
        await Task.Delay(300);
        var settled = received.Count;
        Assert.InRange(settled - countAtStop, 0, 4);
        await Task.Delay(500);
        Assert.Equal(settled, received.Count);
    }

    [Fact]
    public async Task WaitsForAnUnreachableProxy_AndStillStopsPromptly()
    {
        // A port that was free a moment ago: nothing listens there.
        var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        using var generator = new DemoTrafficGenerator(new Uri($"http://127.0.0.1:{port}"), NullLogger<DemoTrafficGenerator>.Instance);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await generator.StartAsync(timeout.Token);
        await Task.Delay(500);
        Assert.False(generator.ExecuteTask!.IsCompleted, "still waiting for the proxy");

        await generator.StopAsync(timeout.Token);
        Assert.True(generator.ExecuteTask.IsCompletedSuccessfully);
        Assert.Equal(0, generator.RequestsSent);
    }

    [Fact]
    public void RequestMix_CoversEveryEndpointWithPoolUsersAndFewPosts()
    {
        var random = new Random(1);
        var requests = Enumerable.Range(0, 2000).Select(_ => DemoTrafficMix.NextRequest(random)).ToList();

        Assert.All(requests, r => Assert.InRange(r.User, 1, DemoTrafficMix.UserPoolSize));
        Assert.True(requests.Select(r => r.User).Distinct().Count() > 300, "users spread over the pool");

        string[] endpoints = ["api/orders/", "api/orders?page=", "api/customers/", "api/catalog/products/", "api/health"];
        Assert.All(endpoints, prefix => Assert.Contains(requests, r => r.Path.StartsWith(prefix, StringComparison.Ordinal)));
        Assert.Contains(requests, r => r.Path == "api/catalog/products");

        var posts = requests.Where(r => r.Method == HttpMethod.Post).ToList();
        Assert.InRange(posts.Count, 1, requests.Count / 20);
        Assert.All(posts, post =>
        {
            Assert.Equal("api/orders", post.Path);
            using var body = JsonDocument.Parse(post.JsonBody!);
            Assert.InRange(body.RootElement.GetProperty("customerId").GetInt32(), 1, DemoShop.CustomerCount);
        });
        Assert.All(requests.Where(r => r.Method == HttpMethod.Get), r => Assert.Null(r.JsonBody));
    }

    [Fact]
    public void UserId_IsStableAndPadded() => Assert.Equal("user-0042", DemoTrafficMix.UserId(42));

    [GeneratedRegex(@"^user-\d{4}$")]
    private static partial Regex UserIdPattern();
}
