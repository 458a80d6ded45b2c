using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using ShadowProxy.Demo;

namespace ShadowProxy.Tests.Demo;

/// <summary>One pair of demo backends for a test class, and a client that leaves Content-Encoding alone.</summary>
public sealed class DemoBackendsFixture : IAsyncLifetime
{
    private DemoBackends? _backends;

    internal DemoBackends Backends => _backends ?? throw new InvalidOperationException("Not started.");

    public HttpClient Client { get; } = new(new SocketsHttpHandler
    {
        AutomaticDecompression = DecompressionMethods.None,
        UseProxy = false,
        ConnectTimeout = TimeSpan.FromSeconds(5),
    })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        // The candidate's first release throughout: the tests of its second start their own backends.
        _backends = await DemoBackends.StartAsync(NullLoggerFactory.Instance, timeout.Token, Timeout.InfiniteTimeSpan);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_backends is not null)
        {
            await _backends.DisposeAsync();
        }
    }
}
