using System.Text;
using System.Text.Json;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Replay;
using ShadowProxy.Core.Storage;

namespace ShadowProxy.Core.Tests.Replay;

public sealed class HarArchiveTests
{
    private static readonly ReplayRules Rules = new()
    {
        Diff = new DiffOptions { IgnoreHeaders = ["Date", "X-Trace"], IgnoreJsonPaths = ["$.meta.*"], UnorderedArrays = ["$.tags"], NumericTolerance = 0.01 },
        Redact = new RedactOptions { Headers = ["X-Api-Key"], JsonPaths = ["$.card"] },
        Noise = [new NoiseRule("$.generatedAt", "GET /api/orders/{id}", NoiseRule.Mark)],
    };

    [Fact]
    public void Export_then_read_gives_back_the_rules_and_the_exchanges()
    {
        var exchanges = new[]
        {
            Exchange(3, "GET", "/api/orders/7", "?expand=lines&q=a%20b", null, """{"id":7}"""),
            Exchange(2, "POST", "/api/orders", string.Empty, StoredBody.Create("""{"sku":"A"}"""u8), """{"id":8}"""),
            Exchange(1, "GET", "/api/files/1", string.Empty, null, null, binary: [0xFF, 0x00, 0x10]),
        };

        var har = HarArchive.Export("orders", Rules, new Uri("http://legacy.internal:9001/base/"), exchanges, DateTimeOffset.UnixEpoch, "1.2.3");
        using var stream = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(har, CorpusJson.Options));
        var corpus = HarArchive.Read(stream);

        Assert.Equal("orders", corpus.Migration);
        Assert.Equal(0, corpus.Skipped);
        Assert.Equal(JsonSerializer.Serialize(Rules, CorpusJson.Options), JsonSerializer.Serialize(corpus.Rules, CorpusJson.Options));
        Assert.Equal(exchanges.Length, corpus.Exchanges.Count);
        for (var i = 0; i < exchanges.Length; i++)
        {
            Assert.Equal(JsonSerializer.Serialize(exchanges[i], CorpusJson.Options), JsonSerializer.Serialize(corpus.Exchanges[i], CorpusJson.Options));
        }

        var entry = har.Log.Entries[0];
        Assert.Equal("http://legacy.internal:9001/api/orders/7?expand=lines&q=a%20b", entry.Request.Url);
        Assert.Equal([new HarHeader("expand", "lines"), new HarHeader("q", "a b")], entry.Request.QueryString);
        Assert.Equal("base64", har.Log.Entries[2].Response.Content.Encoding);
    }

    [Fact]
    public void A_foreign_har_replays_under_default_rules_and_entries_without_an_answer_are_skipped()
    {
        const string Browser = """
            {"log":{"version":"1.2","creator":{"name":"Firefox","version":"120"},"entries":[
              {"startedDateTime":"2026-01-01T00:00:00.000Z","time":12,"request":{"method":"GET","url":"https://shop.example/api/orders/42?x=1","httpVersion":"HTTP/2","cookies":[],"headers":[{"name":"Accept","value":"application/json"}],"queryString":[],"headersSize":-1,"bodySize":0},
               "response":{"status":200,"statusText":"OK","httpVersion":"HTTP/2","cookies":[],"headers":[],"content":{"size":2,"mimeType":"application/json","text":"{}"},"redirectURL":"","headersSize":-1,"bodySize":-1},"cache":{},"timings":{"send":0,"wait":12,"receive":0}},
              {"startedDateTime":"2026-01-01T00:00:01.000Z","time":0,"request":{"method":"GET","url":"https://shop.example/api/down","httpVersion":"HTTP/2","cookies":[],"headers":[],"queryString":[],"headersSize":-1,"bodySize":0},
               "response":{"status":0,"statusText":"","httpVersion":"","cookies":[],"headers":[],"content":{"size":0,"mimeType":""},"redirectURL":"","headersSize":-1,"bodySize":-1},"cache":{},"timings":{"send":0,"wait":0,"receive":0}}]}}
            """;

        var corpus = HarArchive.Read(new MemoryStream(Encoding.UTF8.GetBytes(Browser)));

        Assert.Null(corpus.Migration);
        Assert.Equal(new DiffOptions().IgnoreHeaders, corpus.Rules.Diff.IgnoreHeaders);
        var exchange = Assert.Single(corpus.Exchanges);
        Assert.Equal(1, corpus.Skipped);
        Assert.Equal("GET /api/orders/{id}", exchange.Endpoint);
        Assert.Equal(("/api/orders/42", "?x=1"), (exchange.Request.Path, exchange.Request.Query));
    }

    [Theory]
    [InlineData("""{"nope":1}""", "log.entries is missing")]
    [InlineData("not json", "not a HAR file")]
    [InlineData("""{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"entries":[{"startedDateTime":"2026-01-01T00:00:00Z","time":0,"request":{"method":"GET","url":"/relative"},"response":{"status":200,"content":{"size":0,"mimeType":""}},"timings":{"send":0,"wait":0,"receive":0}}]}}""", "log.entries[0].request.url: '/relative' is not an absolute")]
    public void A_file_that_is_not_a_usable_har_says_where(string json, string message)
    {
        var error = Assert.Throws<InvalidDataException>(() => HarArchive.Read(new MemoryStream(Encoding.UTF8.GetBytes(json))));
        Assert.Contains(message, error.Message);
    }

    private static RecordedExchange Exchange(long id, string method, string path, string query, StoredBody? requestBody, string? json, byte[]? binary = null) => new()
    {
        Id = id,
        Time = new DateTimeOffset(2026, 12, 4, 17, 0, (int)id, TimeSpan.Zero),
        Endpoint = method + " " + path,
        Request = new StoredRequest
        {
            Method = method,
            Path = path,
            Query = query,
            Headers = [KeyValuePair.Create("Authorization", "***"), KeyValuePair.Create("Accept", "application/json")],
            Body = requestBody,
        },
        Response = new StoredResponse
        {
            Status = 200,
            Headers = [KeyValuePair.Create("Content-Type", json is null ? "application/octet-stream" : "application/json")],
            Body = json is null ? StoredBody.Create(binary) : StoredBody.Create(Encoding.UTF8.GetBytes(json)),
            DurationMs = 12.5,
        },
    };
}
