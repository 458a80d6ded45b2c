using System.Text;
using System.Text.Json.Nodes;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Endpoints;
using ShadowProxy.Core.OpenApi;
using ShadowProxy.Core.Redaction;

namespace ShadowProxy.Core.Tests.OpenApi;

public sealed class OpenApiDocumentBuilderTests
{
    private const string Migration = "users";

    private static readonly Redactor Redactor = new(new RedactOptions { JsonPaths = ["$..password", "$.email"] });

    private static void Add(SchemaCollector collector, string endpoint, int status, string target, string? response, string? request = null,
        string responseType = "application/json") =>
        collector.Add(Migration, endpoint, status, new EndpointSample(
            request is null ? default : Encoding.UTF8.GetBytes(request), request is null ? null : "application/json",
            response is null ? default : Encoding.UTF8.GetBytes(response), response is null ? null : responseType)
        { Target = target });

    private static SchemaCollector Traffic()
    {
        var collector = new SchemaCollector();
        string[] roles = ["admin", "editor", "viewer"];
        for (var i = 1; i <= 12; i++)
        {
            var nickname = i % 2 == 0 ? "null" : $"\"n{i}\"";
            var extra = i % 3 == 0 ? ",\"phone\":\"555\"" : string.Empty;
            Add(collector, "GET /api/users/{id}", 200, $"/api/users/{i}?expand=orders",
                $$"""{"id":{{i}},"email":"u{{i}}@example.com","nickname":{{nickname}},"role":"{{roles[i % 3]}}","createdAt":"2026-12-0{{i % 9 + 1}}T10:00:00Z","password":"secret{{i}}"{{extra}}}""");
        }

        Add(collector, "GET /api/users/{id}", 404, "/api/users/999",
            """{"type":"about:blank","title":"Not Found","status":404,"detail":"No user 999"}""", responseType: "application/problem+json");
        Add(collector, "GET /api/users/me", 200, "/api/users/me", """{"id":1,"email":"me@example.com"}""");
        Add(collector, "POST /api/users", 201, "/api/users", """{"id":13}""", """{"email":"new@example.com","password":"pw","tags":["a"]}""");
        Add(collector, "DELETE /api/users/{id}", 204, "/api/users/3", null);
        Add(collector, "GET /api/users/{id}/orders/{id}", 200, "/api/users/3/orders/0b4c3b7e-8a4f-4a52-9d7c-2f1e6b2c9a10", "[]");
        Add(collector, "GET /api/users/{id}/avatar", 200, "/api/users/2/avatar", "PNG", responseType: "image/png");
        Add(collector, "PUT /api/users/{userId}", 200, "/api/users/5", """{"id":5}""", """{"nickname":"x"}""");
        Add(collector, "PROPFIND /api/users", 207, "/api/users", "<xml/>", responseType: "application/xml");
        return collector;
    }

    private static JsonObject Build(IReadOnlyList<ObservedEndpoint>? inventory = null)
    {
        var collector = Traffic();
        return OpenApiDocumentBuilder.Build(Migration, collector.Shapes(Migration), inventory, Redactor);
    }

    [Fact]
    public void The_document_is_valid_openapi_3_1_by_microsoft_openapi()
    {
        var json = OpenApiDocumentBuilder.ToJson(Build());

        var problems = OpenApiValidation.Problems(json, out var document);

        Assert.Empty(problems);
        Assert.NotNull(document);
        Assert.Equal(["/api/users", "/api/users/me", "/api/users/{id}", "/api/users/{id}/avatar", "/api/users/{id}/orders/{id2}"], document.Paths.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Path_parameters_are_declared_required_and_typed()
    {
        var document = Build();

        var get = document["paths"]!["/api/users/{id}"]!["get"]!;
        var id = get["parameters"]!.AsArray().Single(p => p!["in"]!.GetValue<string>() == "path")!;
        Assert.Equal("id", id["name"]!.GetValue<string>());
        Assert.True(id["required"]!.GetValue<bool>());
        Assert.Equal("integer", id["schema"]!["type"]!.GetValue<string>());
        var expand = get["parameters"]!.AsArray().Single(p => p!["in"]!.GetValue<string>() == "query")!;
        Assert.Equal(("expand", false), (expand["name"]!.GetValue<string>(), expand["required"]!.GetValue<bool>()));
        Assert.Equal("getApiUsersById", get["operationId"]!.GetValue<string>());
    }

    [Fact]
    public void Templates_that_differ_only_in_parameter_names_share_one_path()
    {
        var document = Build();

        var put = document["paths"]!["/api/users/{id}"]!["put"]!;
        Assert.Equal("id", put["parameters"]![0]!["name"]!.GetValue<string>());
        Assert.Equal("integer", put["parameters"]![0]!["schema"]!["type"]!.GetValue<string>());
        Assert.Equal(["get", "put", "delete"], document["paths"]!["/api/users/{id}"]!.AsObject().Select(o => o.Key));
        Assert.Null(document["paths"]!["/api/users/{userId}"]);
        var twice = document["paths"]!["/api/users/{id}/orders/{id2}"]!["get"]!["parameters"]!.AsArray();
        Assert.Equal(["id", "id2"], twice.Select(p => p!["name"]!.GetValue<string>()));
        Assert.Equal("uuid", twice[1]!["schema"]!["format"]!.GetValue<string>());
    }

    [Fact]
    public void Responses_carry_their_schemas_per_status_with_redacted_examples()
    {
        var document = Build();

        var responses = document["paths"]!["/api/users/{id}"]!["get"]!["responses"]!;
        var ok = responses["200"]!["content"]!["application/json"]!;
        var schema = ok["schema"]!;
        Assert.Equal("OK", responses["200"]!["description"]!.GetValue<string>());
        Assert.Equal(["id", "email", "nickname", "role", "createdAt", "password"], schema["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("email", schema["properties"]!["email"]!["format"]!.GetValue<string>());
        Assert.Equal(["admin", "editor", "viewer"], schema["properties"]!["role"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("***", ok["example"]!["password"]!.GetValue<string>());
        Assert.Equal("***", ok["example"]!["email"]!.GetValue<string>());
        var notFound = responses["404"]!;
        Assert.Equal("Not Found", notFound["description"]!.GetValue<string>());
        Assert.Equal("string", notFound["content"]!["application/problem+json"]!["schema"]!["properties"]!["detail"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public void Request_bodies_and_empty_responses_are_described()
    {
        var document = Build();

        Assert.Equal(["image/png"], document["paths"]!["/api/users/{id}/avatar"]!["get"]!["responses"]!["200"]!["content"]!.AsObject().Select(c => c.Key));
        var post = document["paths"]!["/api/users"]!["post"]!;
        Assert.True(post["requestBody"]!["required"]!.GetValue<bool>());
        Assert.Equal("***", post["requestBody"]!["content"]!["application/json"]!["example"]!["password"]!.GetValue<string>());
        Assert.Null(document["paths"]!["/api/users/{id}"]!["delete"]!["responses"]!["204"]!["content"]);
        Assert.Null(document["paths"]!["/api/users"]!["propfind"]);
    }

    [Fact]
    public void The_inventory_decides_the_endpoints_and_adds_what_was_seen_beyond_the_samples()
    {
        var document = Build(
        [
            new ObservedEndpoint("GET", "/api/users/{id}") { QueryParameters = [new("expand", Always: false), new("fields", Always: true)], Statuses = [200, 404, 503] },
            new ObservedEndpoint("GET", "/api/health"),
        ]);

        var paths = document["paths"]!.AsObject();
        Assert.Equal(["/api/health", "/api/users/{id}"], paths.Select(p => p.Key));
        var get = paths["/api/users/{id}"]!["get"]!;
        Assert.Contains(get["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "fields" && p["required"]!.GetValue<bool>());
        Assert.Equal("Service Unavailable", get["responses"]!["503"]!["description"]!.GetValue<string>());
        Assert.NotNull(paths["/api/health"]!["get"]!["responses"]!["default"]);
        Assert.Empty(OpenApiValidation.Problems(OpenApiDocumentBuilder.ToJson(document), out _));
    }

    [Fact]
    public void An_empty_migration_is_a_valid_document_without_paths()
    {
        var document = OpenApiDocumentBuilder.Build("empty", [], null, Redactor);

        Assert.Empty(document["paths"]!.AsObject());
        Assert.Equal("3.1.0", document["openapi"]!.GetValue<string>());
        Assert.Empty(OpenApiValidation.Problems(OpenApiDocumentBuilder.ToJson(document), out _));
    }

    [Theory]
    [InlineData("""{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{"/a/{id}":{"get":{"responses":{"200":{"description":"OK"}}}}}}""")]
    [InlineData("""{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{}}}}}}""")]
    [InlineData("""{"openapi":"3.1.0","info":{"title":"t"},"paths":{}}""")]
    [InlineData("""{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{}}""")]
    public void The_validation_catches_broken_documents(string json) =>
        Assert.NotEmpty(OpenApiValidation.Problems(json, out _));
}
