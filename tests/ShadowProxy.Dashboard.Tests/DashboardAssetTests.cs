using System.Net;
using System.Text.RegularExpressions;

namespace ShadowProxy.Dashboard.Tests;

/// <summary>How the admin listener serves the dashboard's files: types, security headers, caching.</summary>
public sealed partial class DashboardAssetTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    [Theory]
    [InlineData("/", "text/html")]
    [InlineData("/assets/app.js", "text/javascript")]
    [InlineData("/assets/api.js", "text/javascript")]
    [InlineData("/assets/app.css", "text/css")]
    [InlineData("/assets/favicon.svg", "image/svg+xml")]
    public async Task Files_are_served_with_their_type_a_strict_CSP_and_revalidation(string path, string mediaType)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = fixture.Proxy.AdminAddress };
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(DashboardEndpoints.ContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.True(response.Headers.CacheControl?.NoCache);
        var etag = response.Headers.ETag;
        Assert.NotNull(etag);

        using var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.IfNoneMatch.Add(etag);
        using var revalidated = await client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
    }

    [Fact]
    public async Task Unknown_files_are_404_and_the_dashboard_needs_no_key_while_the_API_does()
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = fixture.Proxy.AdminAddress };
        using var missing = await client.GetAsync("/assets/nope.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var traversal = await client.GetAsync("/assets/..%2Fshadowproxy.dll");
        Assert.Equal(HttpStatusCode.NotFound, traversal.StatusCode);
        using var api = await client.GetAsync("/api/v1/migrations");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public void Every_file_is_embedded_and_none_names_another_origin()
    {
        var files = DashboardEndpoints.Files.ToHashSet();
        Assert.Superset(new HashSet<string> { "index.html", "app.js", "api.js", "dom.js", "chart.js", "jsonview.js", "app.css", "favicon.svg" }, files);
        var assembly = typeof(DashboardEndpoints).Assembly;
        foreach (var file in files)
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream("dashboard/" + file)!);
            var text = reader.ReadToEnd();

            // The SVG namespace is a name, not a request; nothing else may point off this origin.
            var external = ExternalUrl().Matches(text).Select(m => m.Value).Where(url => !url.StartsWith("http://www.w3.org/2000/svg", StringComparison.Ordinal));
            Assert.Empty(external);
        }
    }

    [GeneratedRegex(@"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s""')]*")]
    private static partial Regex ExternalUrl();
}
