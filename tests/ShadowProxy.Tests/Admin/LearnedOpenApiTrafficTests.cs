using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using ShadowProxy.Core.Tests.OpenApi;
using ShadowProxy.Tests.Infrastructure;

namespace ShadowProxy.Tests.Admin;

/// <summary>
/// docs/openapi.md, end to end: real traffic through the proxy to a small legacy API (numeric, UUID and SKU ids, a
/// <c>/me</c> literal, optional and nullable fields, formats, a 3-value enum, a problem+json 404, query parameters)
/// comes out as the document a person would write, and it validates.
/// </summary>
public sealed class LearnedOpenApiTrafficTests
{
    private static readonly string[] Statuses = ["active", "suspended", "closed"];
    private static readonly string[] Categories = ["books", "games", "music"];

    [Fact]
    public async Task Traffic_to_a_legacy_api_becomes_the_document_a_person_would_write()
    {
        await using var legacy = await TestBackend.StartAsync("legacy", LegacyApiAsync);
        var config = TestProxy.MigrationConfig("shop", legacy.Address, legacy.Address);
        config.Remove("ShadowProxy:Migrations:shop:Candidate:Address");
        config["ShadowProxy:Migrations:shop:Redact:JsonPaths:0"] = "$.email";
        await using var proxy = await TestProxy.StartAsync(config);

        for (var i = 0; i < 30; i++)
        {
            await SendAsync(proxy, HttpMethod.Get, $"/api/users/{i + 1}");
            if (i % 10 == 0)
            {
                await SendAsync(proxy, HttpMethod.Get, $"/api/users/{9000 + i}", expected: HttpStatusCode.NotFound);
                await SendAsync(proxy, HttpMethod.Get, "/api/users/me");
            }

            await SendAsync(proxy, HttpMethod.Get, $"/api/products/SKU-{1000 + (i % 20)}");
            await SendAsync(proxy, HttpMethod.Get, $"/api/reports/{i + 1}");
            await SendAsync(proxy, HttpMethod.Get, $"/api/orders/{Order(i)}");
            var page = i % 2 == 0 ? $"&page={i}" : string.Empty;
            await SendAsync(proxy, HttpMethod.Get, $"/api/products?category={Categories[i % 3]}{page}");
            var note = i % 4 == 0 ? ""","note":"leave at the door" """ : string.Empty;
            await SendAsync(proxy, HttpMethod.Post, "/api/orders", $$"""{"sku":"SKU-{{1000 + i}}","quantity":{{i + 1}}{{note}}}""", HttpStatusCode.Created);
        }

        // Samples reach inference off the request path: wait (bounded) until the last kinds are in.
        var document = await GetDocumentAsync(proxy);
        for (var deadline = DateTime.UtcNow.AddSeconds(20); !Complete(document) && DateTime.UtcNow < deadline; document = await GetDocumentAsync(proxy))
        {
            await Task.Delay(50);
        }

        var json = document.ToJsonString();
        Assert.Empty(OpenApiValidation.Problems(json, out _));
        Assert.Equal(["/api/orders", "/api/orders/{id}", "/api/products", "/api/products/{id}", "/api/reports/{id}", "/api/users/me", "/api/users/{id}"],
            document["paths"]!.AsObject().Select(p => p.Key));

        // Path parameters: declared, required, typed by what the ids look like.
        Assert.Equal(("id", true, "integer"), PathParameter(document, "/api/users/{id}"));
        Assert.Equal("uuid", Operation(document, "/api/orders/{id}", "get")!["parameters"]![0]!["schema"]!["format"]!.GetValue<string>());
        Assert.Equal(("id", true, "string"), PathParameter(document, "/api/products/{id}"));
        Assert.Null(Operation(document, "/api/users/me", "get")!["parameters"]);

        // A user: required and optional fields, nullable, formats, the 3-value enum, a redacted example.
        var ok = Operation(document, "/api/users/{id}", "get")!["responses"]!["200"]!["content"]!["application/json"]!;
        var user = ok["schema"]!;
        Assert.Equal(["id", "name", "email", "nickname", "status", "createdAt"], Strings(user["required"]));
        Assert.Equal("string", user["properties"]!["phone"]!["type"]!.GetValue<string>());
        Assert.Equal(["string", "null"], Strings(user["properties"]!["nickname"]!["type"]));
        Assert.Equal("email", user["properties"]!["email"]!["format"]!.GetValue<string>());
        Assert.Equal("date-time", user["properties"]!["createdAt"]!["format"]!.GetValue<string>());
        Assert.Equal(["active", "closed", "suspended"], Strings(user["properties"]!["status"]!["enum"]));
        Assert.Equal("***", ok["example"]!["email"]!.GetValue<string>());

        // The 404 with its problem body.
        var problem = Operation(document, "/api/users/{id}", "get")!["responses"]!["404"]!;
        Assert.Equal("Not Found", problem["description"]!.GetValue<string>());
        Assert.Equal(["type", "title", "status", "detail"], Strings(problem["content"]!["application/problem+json"]!["schema"]!["required"]));

        // Query parameters: always sent and required, sometimes sent and optional; typed; a closed set as an enum.
        var query = Operation(document, "/api/products", "get")!["parameters"]!.AsArray().ToDictionary(p => p!["name"]!.GetValue<string>());
        Assert.True(query["category"]!["required"]!.GetValue<bool>());
        Assert.Equal(Categories, Strings(query["category"]!["schema"]!["enum"]));
        Assert.False(query["page"]!["required"]!.GetValue<bool>());
        Assert.Equal("integer", query["page"]!["schema"]!["type"]!.GetValue<string>());

        // A gzip-compressed answer is described as the client reads it.
        var report = Operation(document, "/api/reports/{id}", "get")!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!;
        Assert.Equal(["id", "rows"], Strings(report["required"]));

        // A request body: required, with its optional field; nested arrays of objects in the order.
        var post = Operation(document, "/api/orders", "post")!;
        Assert.True(post["requestBody"]!["required"]!.GetValue<bool>());
        Assert.Equal(["sku", "quantity"], Strings(post["requestBody"]!["content"]!["application/json"]!["schema"]!["required"]));
        Assert.NotNull(post["responses"]!["201"]!["content"]!["application/json"]);
        var line = Operation(document, "/api/orders/{id}", "get")!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["properties"]!["lines"]!["items"]!;
        Assert.Equal(["sku", "quantity"], Strings(line["required"]));
    }

    private static async Task LegacyApiAsync(HttpContext context)
    {
        var request = context.Request;
        var segments = request.Path.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries);
        object body;
        if (segments is ["api", "users", var who])
        {
            var id = who == "me" ? 1 : int.Parse(who, CultureInfo.InvariantCulture);
            if (id > 1000)
            {
                context.Response.StatusCode = 404;
                await context.Response.WriteAsJsonAsync(new { type = "https://example.com/problems/not-found", title = "Not Found", status = 404, detail = $"No user {id}" },
                    options: null, contentType: "application/problem+json");
                return;
            }

            var user = new JsonObject
            {
                ["id"] = id,
                ["name"] = $"User {id}",
                ["email"] = $"user{id}@example.com",
                ["nickname"] = id % 2 == 0 ? null : $"nick{id}",
                ["status"] = Statuses[id % 3],
                ["createdAt"] = $"2026-11-{id % 28 + 1:00}T08:30:00Z",
            };
            if (id % 3 == 0)
            {
                user["phone"] = $"555-01{id:00}";
            }

            body = user;
        }
        else if (segments is ["api", "reports", var report])
        {
            context.Response.ContentType = "application/json";
            context.Response.Headers.ContentEncoding = "gzip";
            await using var gzip = new GZipStream(context.Response.Body, CompressionLevel.Fastest);
            await gzip.WriteAsync(Encoding.UTF8.GetBytes($$"""{"id":{{report}},"rows":[{"n":1}]}"""));
            return;
        }
        else if (segments is ["api", "products", var sku])
        {
            body = new { sku, name = $"Product {sku}", price = 9.5 + sku.Length };
        }
        else if (segments is ["api", "products"])
        {
            body = new { page = int.TryParse(request.Query["page"], out var page) ? page : 1, items = new[] { new { sku = "SKU-1000", category = request.Query["category"].ToString() } } };
        }
        else if (segments is ["api", "orders", var orderId])
        {
            body = new { id = orderId, placedAt = "2026-12-01T09:00:00.250+01:00", total = 12.5, lines = new[] { new { sku = "SKU-1000", quantity = 2 }, new { sku = "SKU-1001", quantity = 1 } } };
        }
        else if (segments is ["api", "orders"] && HttpMethods.IsPost(request.Method))
        {
            context.Response.StatusCode = 201;
            body = new { id = Guid.NewGuid(), status = "pending" };
        }
        else
        {
            context.Response.StatusCode = 404;
            return;
        }

        await context.Response.WriteAsJsonAsync(body);
    }

    private static async Task SendAsync(TestProxy proxy, HttpMethod method, string path, string? json = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await proxy.Client.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
    }

    private static async Task<JsonObject> GetDocumentAsync(TestProxy proxy)
    {
        using var response = await proxy.Admin.GetAsync("/api/v1/migrations/shop/openapi");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    private static bool Complete(JsonObject document) =>
        Operation(document, "/api/users/{id}", "get")?["responses"]?["404"]?["content"] is not null
        && Operation(document, "/api/products/{id}", "get")?["responses"]?["200"]?["content"] is not null
        && Operation(document, "/api/orders", "post")?["requestBody"] is not null;

    private static string Order(int i) => string.Create(CultureInfo.InvariantCulture, $"{i + 1:x8}-8a4f-4a52-9d7c-2f1e6b2c9a10");

    private static JsonNode? Operation(JsonObject document, string path, string method) => document["paths"]?[path]?[method];

    private static (string Name, bool Required, string Type) PathParameter(JsonObject document, string path)
    {
        var parameter = Operation(document, path, "get")!["parameters"]!.AsArray().Single(p => p!["in"]!.GetValue<string>() == "path")!;
        return (parameter["name"]!.GetValue<string>(), parameter["required"]!.GetValue<bool>(), parameter["schema"]!["type"]!.GetValue<string>());
    }

    private static string[] Strings(JsonNode? node) => [.. node!.AsArray().Select(n => n!.GetValue<string>())];
}
