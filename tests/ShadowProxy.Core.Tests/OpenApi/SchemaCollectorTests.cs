using System.Text;
using System.Text.Json.Nodes;
using ShadowProxy.Core.Endpoints;
using ShadowProxy.Core.OpenApi;

namespace ShadowProxy.Core.Tests.OpenApi;

public sealed class SchemaCollectorTests
{
    private const string Migration = "orders";
    private const string Endpoint = "GET /api/orders/{id}";

    private static EndpointSample Json(string response, string? target = null, string? request = null) =>
        new(request is null ? default : Encoding.UTF8.GetBytes(request), request is null ? null : "application/json",
            Encoding.UTF8.GetBytes(response), "application/json; charset=utf-8")
        { Target = target };

    private static JsonObject ResponseSchema(SchemaCollector collector, int status = 200, string endpoint = Endpoint) =>
        collector.Shapes(Migration).Single(s => s.Method + " " + s.Template == endpoint).Responses.Single(r => r.Status == status).Body.Schema!;

    private static JsonObject Infer(params string[] bodies)
    {
        var collector = new SchemaCollector();
        foreach (var body in bodies)
        {
            collector.Add(Migration, Endpoint, 200, Json(body));
        }

        return ResponseSchema(collector);
    }

    private static string[] Strings(JsonNode? node) => [.. node!.AsArray().Select(n => n!.GetValue<string>())];

    [Fact]
    public void A_field_present_in_every_sample_is_required_and_one_missing_from_some_is_optional()
    {
        var schema = Infer("""{"id":1,"name":"a","note":"x"}""", """{"id":2,"name":"b"}""", """{"id":3,"name":"c","note":null}""");

        Assert.Equal("object", schema["type"]!.GetValue<string>());
        Assert.Equal(["id", "name"], Strings(schema["required"]));
        Assert.Equal("integer", schema["properties"]!["id"]!["type"]!.GetValue<string>());
        Assert.Equal(["string", "null"], Strings(schema["properties"]!["note"]!["type"]));
    }

    [Fact]
    public void A_field_always_present_but_sometimes_null_is_required_and_nullable()
    {
        var schema = Infer("""{"shipped":null}""", """{"shipped":"2026-12-01T10:00:00Z"}""");

        var shipped = schema["properties"]!["shipped"]!;
        Assert.Equal(["shipped"], Strings(schema["required"]));
        Assert.Equal(["string", "null"], Strings(shipped["type"]));
        Assert.Equal("date-time", shipped["format"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("2026-12-05T13:04:01Z", "2026-01-31T00:00:00.123+01:00", "date-time")]
    [InlineData("2026-12-05", "1999-02-28", "date")]
    [InlineData("0b4c3b7e-8a4f-4a52-9d7c-2f1e6b2c9a10", "6F9619FF-8B86-D011-B42D-00CF4FC964FF", "uuid")]
    [InlineData("ann@example.com", "bob.smith+tag@mail.example.org", "email")]
    [InlineData("https://example.com/a?b=c", "http://localhost:8080/", "uri")]
    public void A_format_shared_by_every_string_at_a_position_is_named(string first, string second, string format)
    {
        var schema = Infer($$"""{"v":"{{first}}"}""", $$"""{"v":"{{second}}"}""");

        Assert.Equal(format, schema["properties"]!["v"]!["format"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("2026-12-05T13:04:01Z", "yesterday")]
    [InlineData("2026-12-05T13:04:01", "2026-12-05T13:04:02")]
    [InlineData("2026-02-30", "2026-02-28")]
    [InlineData("ann@example", "bob@example")]
    [InlineData("ftp:x", "mailto:ann@example.com")]
    [InlineData("2026-12-05", "2026-12-05T13:04:01Z")]
    public void No_format_when_one_string_lacks_it(string first, string second)
    {
        var schema = Infer($$"""{"v":"{{first}}"}""", $$"""{"v":"{{second}}"}""");

        Assert.Null(schema["properties"]!["v"]!["format"]);
    }

    [Fact]
    public void Three_values_over_enough_samples_are_an_enum()
    {
        string[] statuses = ["active", "suspended", "closed"];
        var schema = Infer([.. Enumerable.Range(0, 12).Select(i => $$"""{"status":"{{statuses[i % 3]}}"}""")]);

        Assert.Equal(["active", "closed", "suspended"], Strings(schema["properties"]!["status"]!["enum"]));
    }

    [Fact]
    public void A_nullable_enum_lists_null()
    {
        var schema = Infer([.. Enumerable.Range(0, 16).Select(i => i % 4 == 0 ? """{"tier":null}""" : $$"""{"tier":"{{(i % 2 == 0 ? "gold" : "silver")}}"}""")]);

        var members = schema["properties"]!["tier"]!["enum"]!.AsArray();
        Assert.Equal(["gold", "silver", null], members.Select(m => m?.GetValue<string>()));
    }

    [Theory]
    [InlineData(9, 3)] // too few observations to believe the set is closed
    [InlineData(30, 6)] // too many distinct values
    [InlineData(30, 1)] // a constant is not an enum
    public void No_enum_outside_the_rule(int samples, int distinct)
    {
        var schema = Infer([.. Enumerable.Range(0, samples).Select(i => $$"""{"kind":"k{{i % distinct}}"}""")]);

        Assert.Null(schema["properties"]!["kind"]!["enum"]);
    }

    [Fact]
    public void Nested_objects_and_array_items_are_merged_into_one_schema()
    {
        var schema = Infer(
            """{"lines":[{"sku":"SKU-1","qty":1,"tags":["a"]},{"sku":"SKU-2","qty":2.5}],"customer":{"id":7,"address":{"city":"Oslo"}}}""",
            """{"lines":[],"customer":{"id":8,"address":{"city":"Rome","zip":"00100"}}}""");

        var line = schema["properties"]!["lines"]!["items"]!;
        Assert.Equal("array", schema["properties"]!["lines"]!["type"]!.GetValue<string>());
        Assert.Equal(["sku", "qty"], Strings(line["required"]));
        Assert.Equal("number", line["properties"]!["qty"]!["type"]!.GetValue<string>());
        Assert.Equal("string", line["properties"]!["tags"]!["items"]!["type"]!.GetValue<string>());
        var address = schema["properties"]!["customer"]!["properties"]!["address"]!;
        Assert.Equal(["city"], Strings(address["required"]));
        Assert.Equal("string", address["properties"]!["zip"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public void Path_and_query_parameters_are_typed_from_the_request_targets()
    {
        var collector = new SchemaCollector();
        collector.Add(Migration, "GET /api/users/{id}/orders/{orderId}", 200, Json("{}", "/api/users/42/orders/0b4c3b7e-8a4f-4a52-9d7c-2f1e6b2c9a10?page=2&q=red+shoes"));
        collector.Add(Migration, "GET /api/users/{id}/orders/{orderId}", 200, Json("{}", "/api/users/7/orders/6f9619ff-8b86-d011-b42d-00cf4fc964ff?page=3&tag=a&tag=b"));
        collector.Add(Migration, "GET /api/products/{sku}", 200, Json("{}", "/api/products/SKU-1234"));

        var orders = collector.Shapes(Migration).Single(s => s.Template == "/api/users/{id}/orders/{orderId}");
        Assert.Equal(["id", "orderId"], orders.PathParameters.Select(p => p.Name));
        Assert.Equal("integer", orders.PathParameters[0].Schema["type"]!.GetValue<string>());
        Assert.Equal("uuid", orders.PathParameters[1].Schema["format"]!.GetValue<string>());
        var query = orders.QueryParameters.ToDictionary(p => p.Name);
        Assert.True(query["page"].Required);
        Assert.Equal("integer", query["page"].Schema["type"]!.GetValue<string>());
        Assert.False(query["q"].Required);
        Assert.True(query["tag"].Repeated);
        var product = collector.Shapes(Migration).Single(s => s.Template == "/api/products/{sku}");
        Assert.Equal("string", product.PathParameters[0].Schema["type"]!.GetValue<string>());
        Assert.Null(product.PathParameters[0].Schema["format"]);
    }

    [Fact]
    public void Request_bodies_come_from_the_exchanges_that_succeeded()
    {
        var collector = new SchemaCollector();
        collector.Add(Migration, "POST /api/orders", 400, Json("""{"title":"bad"}""", request: """{"junk":true}"""));
        collector.Add(Migration, "POST /api/orders", 201, Json("""{"id":1}""", request: """{"sku":"SKU-1","qty":1}"""));

        var request = collector.Shapes(Migration).Single().Request!;
        Assert.Equal(["qty", "sku"], request.Schema!["properties"]!.AsObject().Select(p => p.Key).Order());
        Assert.Equal(["application/json"], request.MediaTypes);
    }

    [Fact]
    public void Bodies_that_are_not_json_are_counted_by_media_type_without_a_schema()
    {
        var collector = new SchemaCollector();
        collector.Add(Migration, Endpoint, 200, new EndpointSample(default, null, "<html></html>"u8.ToArray(), "text/html"));
        collector.Add(Migration, Endpoint, 200, new EndpointSample(default, null, "{not json"u8.ToArray(), "application/json"));
        collector.Add(Migration, Endpoint, 204, new EndpointSample(default, null, default, null));

        var responses = collector.Shapes(Migration).Single().Responses;
        Assert.Equal(["text/html", "application/json"], responses[0].Body.MediaTypes);
        Assert.Null(responses[0].Body.Schema);
        Assert.Equal((204, 0), (responses[1].Status, responses[1].Body.WithBody));
    }

    [Fact]
    public void Samples_per_status_and_statuses_per_endpoint_are_capped()
    {
        var collector = new SchemaCollector(new SchemaLimits { SamplesPerStatus = 3, MaxStatuses = 2 });

        for (var i = 0; i < 10; i++)
        {
            collector.Add(Migration, Endpoint, 200, Json($$"""{"f{{i}}":1}"""));
        }

        collector.Add(Migration, Endpoint, 404, Json("{}"));
        collector.Add(Migration, Endpoint, 500, Json("{}"));

        Assert.False(collector.WantsSample(Migration, Endpoint, 200));
        Assert.True(collector.WantsSample(Migration, Endpoint, 404));
        Assert.False(collector.WantsSample(Migration, Endpoint, 500));
        var shape = collector.Shapes(Migration).Single();
        Assert.Equal([200, 404], shape.Responses.Select(r => r.Status));
        Assert.Equal(["f0", "f1", "f2"], shape.Responses[0].Body.Schema!["properties"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void Depth_properties_and_nodes_are_capped()
    {
        var collector = new SchemaCollector(new SchemaLimits { MaxDepth = 2, MaxProperties = 3, MaxNodesPerSchema = 5 });
        collector.Add(Migration, Endpoint, 200, Json("""{"a":{"b":{"c":{"d":1}}},"p1":1,"p2":2,"p3":3}"""));
        collector.Add(Migration, "GET /wide", 200, Json("""{"x":{"y":1,"z":2},"w":[1],"v":{"u":1}}"""));

        var deep = ResponseSchema(collector);
        Assert.Equal(["a", "p1", "p2"], deep["properties"]!.AsObject().Select(p => p.Key));
        var b = deep["properties"]!["a"]!["properties"]!["b"]!;
        Assert.Equal("object", b["type"]!.GetValue<string>());
        Assert.Null(b["properties"]);
        var wide = ResponseSchema(collector, endpoint: "GET /wide");
        Assert.Equal(5, CountNodes(wide) - 1);
    }

    [Fact]
    public void Endpoints_are_capped_and_memory_stays_flat_under_ever_new_names()
    {
        var collector = new SchemaCollector(new SchemaLimits { MaxEndpoints = 50 });
        for (var i = 0; i < 20_000; i++)
        {
            var endpoint = $"GET /api/things/{i}";
            if (collector.WantsSample(Migration, endpoint, 200))
            {
                collector.Add(Migration, endpoint, 200, Json($$"""{"id":{{i}},"name":"n{{i}}"}"""));
            }
        }

        Assert.Equal(50, collector.Shapes(Migration).Count);
        Assert.False(collector.WantsSample(Migration, "GET /api/things/new", 200));

        var removed = collector.Retain(Migration, name => name.EndsWith("/1", StringComparison.Ordinal));
        Assert.Equal(49, removed);
        Assert.True(collector.WantsSample(Migration, "GET /api/things/{id}", 200));
    }

    [Fact]
    public void Concurrent_samples_stay_within_the_caps()
    {
        var collector = new SchemaCollector(new SchemaLimits { SamplesPerStatus = 5, MaxEndpoints = 8 });

        Parallel.For(0, 4_000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var endpoint = $"GET /e{i % 16}";
            collector.Add(Migration, endpoint, 200 + (i % 3), Json($$"""{"n":{{i}}}"""));
        });

        var shapes = collector.Shapes(Migration);
        Assert.Equal(8, shapes.Count);
        Assert.All(shapes, s => Assert.All(s.Responses, r => Assert.Equal(5, r.Body.Samples)));
    }

    [Fact]
    public void Asking_whether_a_sample_is_wanted_allocates_nothing()
    {
        var collector = new SchemaCollector(new SchemaLimits { SamplesPerStatus = 1 });
        collector.Add(Migration, Endpoint, 200, Json("{}"));
        var other = "GET /api/unsampled";
        Assert.False(collector.WantsSample(Migration, Endpoint, 200));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var wanted = 0;
        for (var i = 0; i < 1_000; i++)
        {
            wanted += (collector.WantsSample(Migration, Endpoint, 200) ? 1 : 0) + (collector.WantsSample(Migration, other, 404) ? 1 : 0)
                + (collector.WantsSample("unknown", Endpoint, 200) ? 1 : 0);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(2_000, wanted);
    }

    private static int CountNodes(JsonNode? schema) =>
        schema is not JsonObject o ? 0
        : 1 + (o["properties"] is JsonObject properties ? properties.Sum(p => CountNodes(p.Value)) : 0) + CountNodes(o["items"]);
}
