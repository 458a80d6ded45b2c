using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http;
using ShadowProxy.Core.Endpoints;
using ShadowProxy.Core.OpenApi;
using ShadowProxy.Core.Tests.OpenApi;
using ShadowProxy.Tests.Cli;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Admin;

/// <summary>docs/openapi.md: <c>GET /api/v1/migrations/{name}/openapi</c> and <c>shadowctl openapi NAME</c> serve the document of what the sample sink was fed.</summary>
public sealed class LearnedOpenApiEndpointTests
{
    private const string ViewerKey = "openapi-viewer-key-0123456789";

    [Fact]
    public async Task A_viewer_gets_a_valid_document_of_the_samples_and_shadowctl_prints_it()
    {
        await using var legacy = await TestBackend.StartAsync("legacy", context => context.Response.WriteAsJsonAsync(new { id = 7, token = "s3cret" }));
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = TestProxy.MigrationConfig("users", legacy.Address, candidate.Address);
        config["ShadowProxy:Admin:ApiKeys:0:Name"] = "viewer";
        config["ShadowProxy:Admin:ApiKeys:0:Role"] = "Viewer";
        config["ShadowProxy:Admin:ApiKeys:0:Key"] = ViewerKey;
        config["ShadowProxy:Migrations:users:Redact:JsonPaths:0"] = "$.token";
        await using var proxy = await TestProxy.StartAsync(config);
        (await proxy.Client.GetAsync("/api/users/7")).Dispose();
        var collector = proxy.Services.GetRequiredService<SchemaCollector>();
        await Eventually.True(() => collector.Shapes("users").Any(s => s.Responses.Count > 0), "the exchange was sampled");

        using (var anonymous = await proxy.Admin.GetAsync("/api/v1/migrations/users/openapi"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/migrations/users/openapi");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ViewerKey);
        using var response = await proxy.Admin.SendAsync(request);
        var json = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(OpenApiValidation.Problems(json, out _));
        var ok = JsonDocument.Parse(json).RootElement.GetProperty("paths").GetProperty("/api/users/{id}").GetProperty("get").GetProperty("responses").GetProperty("200");
        Assert.Equal("***", ok.GetProperty("content").GetProperty("application/json").GetProperty("example").GetProperty("token").GetString());

        using var unknown = new HttpRequestMessage(HttpMethod.Get, "/api/v1/migrations/nope/openapi");
        unknown.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ViewerKey);
        using var notFound = await proxy.Admin.SendAsync(unknown);
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal("application/problem+json", notFound.Content.Headers.ContentType?.MediaType);

        var environment = new Dictionary<string, string?> { ["SHADOWCTL_SERVER"] = proxy.AdminAddress.ToString(), ["SHADOWCTL_KEY"] = ViewerKey };
        var run = await ShadowCtlFixture.RunWithAsync(environment, CancellationToken.None, "openapi", "users");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(json.TrimEnd('\n'), run.Stdout.TrimEnd('\n'));
        var missing = await ShadowCtlFixture.RunWithAsync(environment, CancellationToken.None, "openapi", "nope");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("No migration is named 'nope'", missing.Stderr);
    }

    [Fact]
    public void The_collector_is_the_one_sample_sink()
    {
        var services = new ServiceCollection();
        ShadowProxy.Proxy.DataPathServiceCollectionExtensions.AddShadowDataPath(services);
        using var provider = services.BuildServiceProvider();

        Assert.Same(provider.GetRequiredService<SchemaCollector>(), provider.GetRequiredService<IEndpointSampleSink>());
    }
}
