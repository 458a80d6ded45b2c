using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Admin;

/// <summary>docs/admin-api.md: <c>GET /api/v1/openapi.json</c> needs no key and describes every admin API endpoint the server maps.</summary>
public sealed class AdminOpenApiTests
{
    [Fact]
    public async Task The_document_needs_no_key_and_lists_every_mapped_admin_endpoint()
    {
        await using var legacy = await TestBackend.StartAsync("legacy");
        await using var candidate = await TestBackend.StartAsync("candidate");
        var config = TestProxy.MigrationConfig("orders", legacy.Address, candidate.Address);
        config["ShadowProxy:Admin:ApiKeys:0:Name"] = "ops";
        config["ShadowProxy:Admin:ApiKeys:0:Role"] = "Operator";
        config["ShadowProxy:Admin:ApiKeys:0:Key"] = "operator-key-0123456789";
        await using var proxy = await TestProxy.StartAsync(config);

        using (var guarded = await proxy.Admin.GetAsync("/api/v1/migrations"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, guarded.StatusCode);
        }

        using var response = await proxy.Admin.GetAsync("/api/v1/openapi.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = document.RootElement;
        Assert.StartsWith("3.", root.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.Equal("ShadowProxy admin API", root.GetProperty("info").GetProperty("title").GetString());
        var paths = root.GetProperty("paths");

        // Generated from the endpoints as mapped: each admin API route, with its methods, is in the document.
        var mapped = proxy.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } p && p.StartsWith("/api/v1/", StringComparison.Ordinal) && !p.Contains('*', StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Path: Template(e.RoutePattern.RawText!), Method: m.ToLowerInvariant())))
            .Where(e => e.Path != "/api/v1/openapi.json")
            .ToList();
        Assert.True(mapped.Count >= 15, $"{mapped.Count} admin endpoints mapped");
        foreach (var (path, method) in mapped)
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is not in the document");
            Assert.True(item.TryGetProperty(method, out _), $"{method.ToUpperInvariant()} {path} is not in the document");
        }

        var rollback = paths.GetProperty("/api/v1/migrations/{name}/rollback").GetProperty("post");
        Assert.Contains(rollback.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "name" && p.GetProperty("in").GetString() == "path");
        var audit = paths.GetProperty("/api/v1/audit").GetProperty("get");
        Assert.Contains(audit.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "limit" && p.GetProperty("in").GetString() == "query");

        // Proxied routes are not the admin API.
        Assert.DoesNotContain(paths.EnumerateObject(), p => p.Name.StartsWith("/api/{", StringComparison.Ordinal) || p.Name == "/metrics");
    }

    /// <summary>A route pattern as OpenAPI writes it: <c>{id:long}</c> → <c>{id}</c>.</summary>
    private static string Template(string pattern) => System.Text.RegularExpressions.Regex.Replace(pattern, @"\{(\w+)(:[^}]*)?\}", "{$1}");
}
