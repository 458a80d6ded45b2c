using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ShadowProxy.Health;
using ShadowProxy.Hosting;
using ShadowProxy.Listeners;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Health;

/// <summary>
/// <c>/healthz</c> and <c>/readyz</c> as probes, the runbook and <c>curl</c> read them (docs/admin-api.md#outside-apiv1-no-key-needed, docs/architecture.md#fleet-mode): one line
/// of plain text; readiness 503 while starting, 200 when ready and 200 when degraded, saying why.
/// </summary>
public sealed class HealthEndpointsTests
{
    [Fact]
    public async Task Probes_answer_one_line_of_plain_text_and_only_to_GET()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        await using var proxy = await TestProxy.StartAsync(TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address));

        using (var healthz = await proxy.Admin.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
            Assert.Equal("text/plain", healthz.Content.Headers.ContentType?.MediaType);
            Assert.Equal("ok\n", await healthz.Content.ReadAsStringAsync());
        }

        using (var readyz = await proxy.Admin.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, readyz.StatusCode);
            Assert.Equal("text/plain", readyz.Content.Headers.ContentType?.MediaType);
            Assert.Equal("ready\n", await readyz.Content.ReadAsStringAsync());
        }

        foreach (var path in new[] { "/healthz", "/readyz" })
        {
            using var post = await proxy.Admin.PostAsync(path, new StringContent(""));
            Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        }
    }

    [Fact]
    public async Task Readyz_stays_200_while_degraded_and_says_why()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        await using var proxy = await TestProxy.StartAsync(TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address));
        var readiness = proxy.Services.GetRequiredService<ReadinessState>();

        readiness.SetDegraded("Redis at 127.0.0.1:1 is unreachable");
        readiness.SetConfigurationProblem("configuration file invalid");
        using (var degraded = await proxy.Admin.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, degraded.StatusCode);
            Assert.Equal("degraded: Redis at 127.0.0.1:1 is unreachable; configuration file invalid\n", await degraded.Content.ReadAsStringAsync());
        }

        readiness.SetDegraded(null);
        readiness.SetConfigurationProblem(null);
        Assert.Equal("ready\n", await proxy.Admin.GetStringAsync("/readyz"));
    }

    [Fact]
    public async Task Readyz_is_503_starting_until_the_host_has_started_while_healthz_already_answers()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Holds the host between "every service started, Kestrel listening" and ApplicationStarted until
        // the test releases it: the window in which a probe may reach a proxy that is not ready yet.
        await using var app = ShadowProxyHost.Build(
            [],
            builder => builder.AddInMemoryCollection(TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address)),
            services => services.AddSingleton<IHostedService>(new HeldStart(release.Task)));
        var starting = app.StartAsync();
        try
        {
            var listeners = app.Services.GetRequiredService<ListenerMap>();
            await Eventually.True(() => IsBound(listeners), "the admin listener is bound");
            using var admin = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = listeners.AdminAddresses[0] };

            using (var readyz = await admin.GetAsync("/readyz"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, readyz.StatusCode);
                Assert.Equal("starting\n", await readyz.Content.ReadAsStringAsync());
            }

            Assert.Equal("ok\n", await admin.GetStringAsync("/healthz"));

            release.SetResult();
            await starting;
            Assert.Equal("ready\n", await admin.GetStringAsync("/readyz"));
        }
        finally
        {
            release.TrySetResult();
            await starting;
            await app.StopAsync();
        }
    }

    private static bool IsBound(ListenerMap listeners)
    {
        try
        {
            return listeners.AdminAddresses is [{ Port: > 0 }];
        }
        catch (InvalidOperationException)
        {
            return false; // Kestrel is still configuring its listeners
        }
    }

    private sealed class HeldStart(Task released) : IHostedLifecycleService
    {
        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartedAsync(CancellationToken cancellationToken) => released.WaitAsync(cancellationToken);

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
