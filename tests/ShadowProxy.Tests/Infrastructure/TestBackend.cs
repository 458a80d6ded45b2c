using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ShadowProxy.Tests.Infrastructure;

/// <summary>A request as a test backend received it.</summary>
public sealed record ReceivedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public bool IsShadow => Headers.TryGetValue("X-Shadow-Request", out var value) && value == "true";

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// A real Kestrel backend on 127.0.0.1 with an OS-chosen port that records every request it gets
/// and answers with the handler the test gives it.
/// </summary>
public sealed class TestBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestBackend(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>Requests whose handler has started (recorded before the handler runs).</summary>
    public int Started => Requests.Count;

    public static Task<TestBackend> StartAsync(string name) =>
        StartAsync(name, async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($$"""{"backend":"{{name}}","path":"{{context.Request.Path}}"}""");
        });

    public static async Task<TestBackend> StartAsync(string name, Func<HttpContext, Task> handler, Action<WebApplication>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1AndHttp2);
            k.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        TestBackend? backend = null;
        configure?.Invoke(app);
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            backend!.Requests.Enqueue(new ReceivedRequest(context.Request.Method, context.Request.Path.Value ?? "/", context.Request.QueryString.Value ?? string.Empty, headers, body.ToArray()));
            context.Response.Headers["X-Backend"] = name;
            await handler(context);
        });
        await app.StartAsync();
        var address = new Uri(app.Urls.First());
        backend = new TestBackend(app, address);
        return backend;
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await _app.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync();
    }
}
