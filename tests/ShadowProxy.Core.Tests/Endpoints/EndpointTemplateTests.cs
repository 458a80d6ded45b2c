using ShadowProxy.Core.Endpoints;

namespace ShadowProxy.Core.Tests.Endpoints;

public sealed class EndpointTemplateTests
{
    [Theory]
    [InlineData("GET", "/api/orders/{id}", "/api/orders/42", "GET /api/orders/{id}")]
    [InlineData("get", "/api/orders/{orderId:int}", "/api/orders/42?x=1", "GET /api/orders/{orderId}")]
    [InlineData("GET", "/api/orders/{id?}", "/api/orders", "GET /api/orders")]
    [InlineData("GET", "/api/{**rest}", "/api/orders/42/lines/7", "GET /api/orders/{id}/lines/{id}")]
    [InlineData("GET", "/api/orders/{**rest}", "/api/orders/3f2504e0-4f89-11d3-9a0c-0305e82c3301", "GET /api/orders/{id}")]
    [InlineData("GET", "/api/orders/{**rest}", "/API/Orders/summary", "GET /API/Orders/summary")]
    [InlineData("GET", "/files/{name}.{ext=json}", "/files/report.pdf", "GET /files/{name}.{ext}")]
    [InlineData("POST", null, "/users/deadbeef01/avatar", "POST /users/{id}/avatar")]
    [InlineData("GET", null, "/users/abcdefgh", "GET /users/abcdefgh")]
    [InlineData("GET", null, "/users/deadbeef", "GET /users/deadbeef")]
    [InlineData("GET", null, "/t/aZ3kL9pQ2xW7mN4v/x", "GET /t/{id}/x")]
    [InlineData("GET", null, "/docs/getting-started-guide", "GET /docs/getting-started-guide")]
    [InlineData("GET", null, "/", "GET /")]
    [InlineData("GET", null, "", "GET /")]
    [InlineData("GET", null, "//a//b/", "GET /a/b")]
    [InlineData("GET", "/{**catchall}", "/v2/items/123#frag", "GET /v2/items/{id}")]
    [InlineData("GET", "//api//orders/{id}/", "/api/orders/7", "GET /api/orders/{id}")]
    [InlineData("GET", "/api/orders/{id}/lines", "/api/orders/7", "GET /api/orders/{id}")]
    [InlineData("GET", "/api", "/api/orders/7", "GET /api/orders/{id}")]
    [InlineData("GET", "/api/{a}-{b:int}/x", "/api/1-2/x", "GET /api/{a}-{b}/x")]
    [InlineData("GET", "/api/{open", "/api/x", "GET /api/{open")]
    public void Creates_templates(string method, string? route, string path, string expected)
    {
        Assert.Equal(expected, EndpointTemplate.Create(method, route, path));
    }

    [Fact]
    public void Long_paths_are_bounded()
    {
        var path = string.Concat(Enumerable.Repeat("/segment", 40));

        var template = EndpointTemplate.Create("GET", null, path);

        Assert.Equal("GET " + string.Concat(Enumerable.Repeat("/segment", EndpointTemplate.MaxSegments)) + "/…", template);
    }

    [Fact]
    public void Long_segments_are_cut_to_the_length_bound()
    {
        var template = EndpointTemplate.Create("GET", null, "/" + new string('a', 1000));

        Assert.Equal(EndpointTemplate.MaxLength, template.Length);
        Assert.EndsWith("…", template, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_of_exactly_the_length_bound_is_not_cut()
    {
        var path = "/" + new string('a', EndpointTemplate.MaxLength - "GET /".Length);

        var template = EndpointTemplate.Create("GET", null, path);

        Assert.Equal("GET " + path, template);
        Assert.Equal(EndpointTemplate.MaxLength, template.Length);
        Assert.Equal("GET " + path[..^1] + "…", EndpointTemplate.Create("GET", null, path + "b"));
    }

    [Fact]
    public void A_long_method_is_upper_cased_and_cut()
    {
        var template = EndpointTemplate.Create(new string('m', 300), null, "/x");

        Assert.Equal(new string('M', EndpointTemplate.MaxLength - 1) + "…", template);
    }

    [Fact]
    public void A_repeated_endpoint_is_the_same_string()
    {
        // Comparisons name the endpoint of every pair: a name seen before is not allocated again.
        Assert.Same(EndpointTemplate.Create("GET", "/api/orders/{**rest}", "/api/orders/42"), EndpointTemplate.Create("get", "/api/orders/{**rest}", "/api/orders/43"));
    }
}
