using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ShadowProxy.Metrics;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Shadow;

/// <summary>
/// docs/architecture.md#the-walk-of-one-request: a slow, hanging, failing or unreachable shadow backend changes neither the client's
/// status, nor body, nor waits; overflow beyond MaxInFlight is dropped and counted.
/// </summary>
public sealed class ShadowIsolationTests
{
    private const int Requests = 200;
    private const int MaxInFlight = 16;

    public enum Fault
    {
        BlockedOnSignal,
        Hanging,
        RefusingConnections,
        ResetMidBody,
        ServerErrorAfterThreeSeconds,
    }

    [Theory]
    [InlineData(Fault.BlockedOnSignal)]
    [InlineData(Fault.Hanging)]
    [InlineData(Fault.RefusingConnections)]
    [InlineData(Fault.ResetMidBody)]
    [InlineData(Fault.ServerErrorAfterThreeSeconds)]
    public async Task Clients_get_the_primary_answer_whatever_the_shadow_does(Fault fault)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var legacy = await TestBackend.StartAsync("legacy", async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($$"""{"order":"{{context.Request.Path}}","total":12.5}""");
        });
        await using var candidate = await TestBackend.StartAsync("candidate", context => FaultyAnswer(context, fault, release.Task));
        var candidateAddress = fault == Fault.RefusingConnections ? ClosedPortAddress() : candidate.Address;
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidateAddress);
        config["ShadowProxy:Migrations:orders:Shadow:MaxInFlight"] = MaxInFlight.ToString();
        // The fixed bound is what this test counts against (the adaptive limit has tests of its own).
        config["ShadowProxy:Migrations:orders:Shadow:Adaptive"] = "false";
        config["ShadowProxy:Migrations:orders:Shadow:Timeout"] = "00:01:00";
        await using var proxy = await TestProxy.StartAsync(config);

        try
        {
            var responses = await SendConcurrentlyAsync(proxy.Client, Requests, concurrency: 20);

            // Every client answer is the primary's, whole and unchanged.
            for (var i = 0; i < Requests; i++)
            {
                Assert.Equal(HttpStatusCode.OK, responses[i].Status);
                Assert.Equal($$"""{"order":"/api/orders/{{i}}","total":12.5}""", responses[i].Body);
                Assert.Equal("legacy", responses[i].Backend);
            }

            var metrics = proxy.Services.GetRequiredService<ProxyMetrics>();
            double Outcome(string outcome) => metrics.ShadowRequests.WithLabels("orders", outcome).Value;
            if (fault is Fault.BlockedOnSignal or Fault.Hanging or Fault.ServerErrorAfterThreeSeconds)
            {
                // The shadows are still pending now, and the overflow was dropped, not queued.
                Assert.False(release.Task.IsCompleted);
                if (fault != Fault.ServerErrorAfterThreeSeconds)
                {
                    Assert.Equal(0, Outcome("completed") + Outcome("error") + Outcome("timeout"));
                    Assert.Equal(Requests - MaxInFlight, Outcome("dropped"));
                    await Eventually.True(() => candidate.Started == MaxInFlight, "the in-flight shadows reached the candidate");
                }
                else
                {
                    Assert.True(Outcome("dropped") > 0, "shadows beyond MaxInFlight are dropped");
                }
            }
            else
            {
                await Eventually.True(() => Outcome("error") + Outcome("dropped") == Requests, "every shadow failed or was dropped");
                Assert.Equal(0, Outcome("completed"));
            }
        }
        finally
        {
            release.TrySetResult();
        }
    }

    private static async Task FaultyAnswer(HttpContext context, Fault fault, Task release)
    {
        switch (fault)
        {
            case Fault.BlockedOnSignal:
                await release.WaitAsync(context.RequestAborted);
                await context.Response.WriteAsync("released");
                break;
            case Fault.Hanging:
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
                break;
            case Fault.ResetMidBody:
                context.Response.ContentLength = 10_000;
                await context.Response.WriteAsync("{\"partial\":");
                await context.Response.Body.FlushAsync();
                context.Abort();
                break;
            case Fault.ServerErrorAfterThreeSeconds:
                await Task.Delay(TimeSpan.FromSeconds(3), context.RequestAborted);
                context.Response.StatusCode = 500;
                break;
            default:
                throw new InvalidOperationException(fault.ToString());
        }
    }

    internal static async Task<(HttpStatusCode Status, string Body, string? Backend)[]> SendConcurrentlyAsync(HttpClient client, int count, int concurrency)
    {
        var results = new (HttpStatusCode, string, string?)[count];
        var next = -1;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                using var response = await client.GetAsync($"/api/orders/{i}");
                results[i] = (response.StatusCode, await response.Content.ReadAsStringAsync(),
                    response.Headers.TryGetValues("X-Backend", out var backend) ? backend.Single() : null);
            }
        });
        await Task.WhenAll(workers);
        return results;
    }

    internal static Uri ClosedPortAddress()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }
}
