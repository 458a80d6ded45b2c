using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ShadowProxy.Admin;
using ShadowProxy.Configuration;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Storage;
using ShadowProxy.Setup;
using ShadowProxy.Metrics;
using ShadowProxy.Migrations;
using ShadowProxy.Tests.Storage;
using static ShadowProxy.Tests.Storage.Records;

namespace ShadowProxy.Tests.Admin;

/// <summary>The diff endpoints on real Kestrel, with the store's services as the host registers them.</summary>
public sealed class DiffEndpointsTests : IAsyncLifetime
{
    private const string Orders = "GET /api/orders/{id}";

    private readonly TempStore _temp = new();
    private readonly RecordingNoiseListener _listener = new();
    private WebApplication _app = null!;
    private HttpClient _client = null!;
    private long _sampleId;

    public async Task InitializeAsync()
    {
        var options = new ShadowProxyOptions
        {
            Store = _temp.Options(),
            Migrations =
            [
                new MigrationOptions
                {
                    Name = "orders",
                    Routes = [new RouteMatchOptions { Path = "/api/{**rest}" }],
                    Legacy = new BackendOptions { Address = new Uri("http://127.0.0.1:9001") },
                    Candidate = new BackendOptions { Address = new Uri("http://127.0.0.1:9002") },

                    // Rows are flagged by the rules in force when read (docs/comparison.md#noise): the noise row below is noise by this rule.
                    Diff = new DiffOptions { IgnoreJsonPaths = ["$.meta.id"] },
                },
            ],
        };
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ProxyMetrics>();
        builder.Services.AddSingleton<MigrationRegistry>();
        builder.Services.AddSingleton<INoiseMarksChanged>(_listener);
        builder.Services.AddShadowProxyStore(options);

        // The endpoints' role policies are checked by the authorization middleware, which this test leaves out.
        builder.Services.Configure<RouteOptions>(routes => routes.SuppressCheckForUnhandledSecurityMetadata = true);
        _app = builder.Build();
        _app.Use((context, next) =>
        {
            // Stands in for authentication, which names the caller.
            context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "ci-bot")], "test"));
            return next(context);
        });
        _app.MapGroup("/api/v1").MapDiffEndpoints().MapNoiseEndpoints();
        await _app.StartAsync();
        _client = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };

        var store = _app.Services.GetRequiredService<IDiffStore>();
        await store.WriteAsync(
        [
            Diff("orders", Orders, Start, Sample("/api/orders/1"), Value("$.price")),
            Diff("orders", Orders, Start.AddSeconds(1), Sample("/api/orders/2"), Value("$.price"), Value("$.total")),
            Diff("orders", "GET /api/users/{id}", Start.AddSeconds(2), null, Value("$.meta.id", noise: true)),
        ]);
        _sampleId = (await store.ReadSamplesAsync("orders", new SampleQuery()))[0].Id;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _temp.DisposeAsync();
    }

    [Fact]
    public async Task Summary_answers_camel_case_json_with_filters_and_paging()
    {
        var all = await GetJsonAsync("/api/v1/migrations/ORDERS/diffs/summary");
        Assert.Equal(3, all.GetProperty("total").GetInt32());
        var first = all.GetProperty("rows")[0];
        Assert.Equal((Orders, "$.price", 2), (first.GetProperty("endpoint").GetString(), first.GetProperty("path").GetString(), first.GetProperty("count").GetInt32()));
        Assert.Equal(1.0, first.GetProperty("rate").GetDouble());
        Assert.Equal(2, first.GetProperty("sampleIds").GetArrayLength());

        var filtered = await GetJsonAsync("/api/v1/migrations/orders/diffs/summary?noise=false&sort=path&offset=1&limit=1");
        Assert.Equal(2, filtered.GetProperty("total").GetInt32());
        Assert.Equal("$.total", filtered.GetProperty("rows")[0].GetProperty("path").GetString());

        var noise = await GetJsonAsync("/api/v1/migrations/orders/diffs/summary?noise=yes&endpoint=" + Uri.EscapeDataString("GET /api/users/{id}"));
        Assert.True(noise.GetProperty("rows")[0].GetProperty("isNoise").GetBoolean());
        Assert.Equal("config", noise.GetProperty("rows")[0].GetProperty("noiseSource").GetString());
    }

    [Fact]
    public async Task Samples_list_newest_first_with_a_cursor_and_one_sample_in_full()
    {
        var page = await GetJsonAsync("/api/v1/migrations/orders/diffs?limit=1");
        var newest = page.GetProperty("samples")[0];
        Assert.Equal("/api/orders/2?expand=items", newest.GetProperty("pathAndQuery").GetString());
        var next = await GetJsonAsync("/api/v1/migrations/orders/diffs?before=" + page.GetProperty("nextBefore").GetInt64());
        Assert.Equal("/api/orders/1?expand=items", next.GetProperty("samples")[0].GetProperty("pathAndQuery").GetString());
        Assert.Equal(JsonValueKind.Null, next.GetProperty("nextBefore").ValueKind);

        var byPath = await GetJsonAsync("/api/v1/migrations/orders/diffs?path=%24.total");
        Assert.Equal(1, byPath.GetProperty("samples").GetArrayLength());

        var detail = await GetJsonAsync($"/api/v1/migrations/orders/diffs/{_sampleId}");
        Assert.Equal(_sampleId, detail.GetProperty("id").GetInt64());
        var sample = detail.GetProperty("sample");
        Assert.Equal("[redacted]", sample.GetProperty("request").GetProperty("headers")[1].GetProperty("value").GetString());
        Assert.Equal("""{"price":2}""", sample.GetProperty("candidate").GetProperty("body").GetProperty("content").GetString());
        Assert.Equal(2, detail.GetProperty("differences").GetArrayLength());
    }

    [Theory]
    [InlineData("/api/v1/migrations/payments/diffs/summary", HttpStatusCode.NotFound, "payments")]
    [InlineData("/api/v1/migrations/payments/diffs", HttpStatusCode.NotFound, "payments")]
    [InlineData("/api/v1/migrations/payments/diffs/1", HttpStatusCode.NotFound, "payments")]
    [InlineData("/api/v1/migrations/orders/diffs/999999", HttpStatusCode.NotFound, "999999")]
    [InlineData("/api/v1/migrations/orders/diffs/abc", HttpStatusCode.BadRequest, "'abc' is not a sample id")]
    [InlineData("/api/v1/migrations/orders/diffs/summary?limit=0", HttpStatusCode.BadRequest, "limit: '0' must be a whole number from 1 to 1000")]
    [InlineData("/api/v1/migrations/orders/diffs/summary?limit=1001", HttpStatusCode.BadRequest, "limit")]
    [InlineData("/api/v1/migrations/orders/diffs/summary?offset=-1", HttpStatusCode.BadRequest, "offset")]
    [InlineData("/api/v1/migrations/orders/diffs/summary?sort=size", HttpStatusCode.BadRequest, "count, rate, lastSeen")]
    [InlineData("/api/v1/migrations/orders/diffs/summary?noise=maybe", HttpStatusCode.BadRequest, "noise")]
    [InlineData("/api/v1/migrations/orders/diffs?limit=x", HttpStatusCode.BadRequest, "limit")]
    [InlineData("/api/v1/migrations/orders/diffs?before=-3", HttpStatusCode.BadRequest, "before")]
    public async Task Bad_input_and_unknown_things_answer_problem_json(string url, HttpStatusCode status, string detail)
    {
        using var response = await _client.GetAsync(url);

        await AssertProblemAsync(response, status, detail);
    }

    [Fact]
    public async Task Noise_marks_are_idempotent_audited_with_the_actor_and_announced()
    {
        var mark = new { path = "$.meta.id", endpoint = Orders, reason = "per-request id" };
        using (var added = await _client.PostAsJsonAsync("/api/v1/migrations/orders/noise", mark))
        {
            var body = await added.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
            Assert.True(body.GetProperty("changed").GetBoolean());
            Assert.Equal("ci-bot", body.GetProperty("marks")[0].GetProperty("actor").GetString());
        }

        using (var again = await _client.PostAsJsonAsync("/api/v1/migrations/orders/noise", mark))
        {
            Assert.False((await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("changed").GetBoolean());
        }

        var (migration, marks) = Assert.Single(_listener.Calls);
        Assert.Equal(("orders", "$.meta.id", Orders), (migration, marks.Single().Path, marks.Single().Endpoint));
        Assert.Equal(1, (await GetJsonAsync("/api/v1/migrations/orders/noise")).GetProperty("marks").GetArrayLength());

        using var delete = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/migrations/orders/noise") { Content = JsonContent.Create(mark) };
        using (var removed = await _client.SendAsync(delete))
        {
            Assert.True((await removed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("changed").GetBoolean());
        }

        Assert.Empty(_listener.Calls[^1].Marks);
        var audit = await _app.Services.GetRequiredService<IStateStore>().ReadAuditAsync(new AuditQuery("orders"));
        Assert.Equal([(NoiseAuditActions.Unmark, "ci-bot"), (NoiseAuditActions.Mark, "ci-bot")], audit.Select(a => (a.Entry.Action, a.Entry.Actor)));
        Assert.Equal("per-request id", audit[1].Entry.Reason);
    }

    [Fact]
    public async Task Noise_marks_can_be_removed_by_query_for_clients_without_delete_bodies()
    {
        using var added = await _client.PostAsJsonAsync("/api/v1/migrations/orders/noise", new { path = "header:X-Trace" });
        using var removed = await _client.DeleteAsync("/api/v1/migrations/orders/noise?path=header%3AX-Trace");

        Assert.True((await removed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("changed").GetBoolean());
        Assert.Empty(await _app.Services.GetRequiredService<IStateStore>().ReadNoiseMarksAsync("orders"));
    }

    [Theory]
    [InlineData("orders", """{"path": "price"}""", HttpStatusCode.BadRequest, "is not a difference path")]
    [InlineData("orders", """{"path": "$.items["}""", HttpStatusCode.BadRequest, "path '$.items['")]
    [InlineData("orders", """{"endpoint": "GET /x"}""", HttpStatusCode.BadRequest, "path is required")]
    [InlineData("orders", """{"path": """, HttpStatusCode.BadRequest, "not valid JSON")]
    [InlineData("payments", """{"path": "$.a"}""", HttpStatusCode.NotFound, "payments")]
    public async Task Invalid_noise_marks_are_refused(string migration, string json, HttpStatusCode status, string detail)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await _client.PostAsync($"/api/v1/migrations/{migration}/noise", content);

        await AssertProblemAsync(response, status, detail);
        Assert.Empty(_listener.Calls);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detail)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private async Task<JsonElement> GetJsonAsync(string url)
    {
        using var response = await _client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private sealed class RecordingNoiseListener : INoiseMarksChanged
    {
        public List<(string Migration, IReadOnlyList<NoiseMark> Marks)> Calls { get; } = [];

        public void OnNoiseMarksChanged(string migration, IReadOnlyList<NoiseMark> marks)
        {
            lock (Calls)
            {
                Calls.Add((migration, marks));
            }
        }
    }
}
