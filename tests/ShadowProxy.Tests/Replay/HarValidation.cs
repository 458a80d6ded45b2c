using System.Text.Json;

namespace ShadowProxy.Tests.Replay;

/// <summary>
/// Checks a document against HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/): every field the format
/// requires is present with its type, and every field it does not define is a custom one (starts with '_').
/// </summary>
public static class HarValidation
{
    private static readonly string[] Log = ["version", "creator", "browser", "pages", "entries", "comment"];
    private static readonly string[] Creator = ["name", "version", "comment"];
    private static readonly string[] Entry = ["pageref", "startedDateTime", "time", "request", "response", "cache", "timings", "serverIPAddress", "connection", "comment"];
    private static readonly string[] Request = ["method", "url", "httpVersion", "cookies", "headers", "queryString", "postData", "headersSize", "bodySize", "comment"];
    private static readonly string[] Response = ["status", "statusText", "httpVersion", "cookies", "headers", "content", "redirectURL", "headersSize", "bodySize", "comment"];
    private static readonly string[] Content = ["size", "compression", "mimeType", "text", "encoding", "comment"];
    private static readonly string[] PostData = ["mimeType", "params", "text", "comment"];
    private static readonly string[] Pair = ["name", "value", "comment"];
    private static readonly string[] Cookie = ["name", "value", "path", "domain", "expires", "httpOnly", "secure", "comment"];
    private static readonly string[] Cache = ["beforeRequest", "afterRequest", "comment"];
    private static readonly string[] Timings = ["blocked", "dns", "connect", "send", "wait", "receive", "ssl", "comment"];

    public static void AssertValid(JsonElement har)
    {
        Fields(har, ["log"], "$");
        var log = Required(har, "log", JsonValueKind.Object, "$");
        Fields(log, Log, "log");
        Assert.Equal("1.2", Required(log, "version", JsonValueKind.String, "log").GetString());
        var creator = Required(log, "creator", JsonValueKind.Object, "log");
        Fields(creator, Creator, "log.creator");
        Required(creator, "name", JsonValueKind.String, "log.creator");
        Required(creator, "version", JsonValueKind.String, "log.creator");
        var i = 0;
        foreach (var entry in Required(log, "entries", JsonValueKind.Array, "log").EnumerateArray())
        {
            AssertEntry(entry, $"log.entries[{i++}]");
        }
    }

    private static void AssertEntry(JsonElement entry, string at)
    {
        Fields(entry, Entry, at);
        var started = Required(entry, "startedDateTime", JsonValueKind.String, at).GetString()!;
        Assert.True(DateTimeOffset.TryParse(started, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _), $"{at}.startedDateTime '{started}' is not ISO 8601");
        Assert.Contains('T', started);
        var time = Required(entry, "time", JsonValueKind.Number, at).GetDouble();
        Assert.True(time >= 0, $"{at}.time is negative");

        var request = Required(entry, "request", JsonValueKind.Object, at);
        Fields(request, Request, at + ".request");
        Required(request, "method", JsonValueKind.String, at + ".request");
        var url = Required(request, "url", JsonValueKind.String, at + ".request").GetString();
        Assert.True(Uri.TryCreate(url, UriKind.Absolute, out _), $"{at}.request.url '{url}' is not absolute");
        Required(request, "httpVersion", JsonValueKind.String, at + ".request");
        Pairs(request, "cookies", Cookie, at + ".request");
        Pairs(request, "headers", Pair, at + ".request");
        Pairs(request, "queryString", Pair, at + ".request");
        Required(request, "headersSize", JsonValueKind.Number, at + ".request");
        Required(request, "bodySize", JsonValueKind.Number, at + ".request");
        if (request.TryGetProperty("postData", out var postData))
        {
            Fields(postData, PostData, at + ".request.postData");
            Required(postData, "mimeType", JsonValueKind.String, at + ".request.postData");
        }

        var response = Required(entry, "response", JsonValueKind.Object, at);
        Fields(response, Response, at + ".response");
        Required(response, "status", JsonValueKind.Number, at + ".response");
        Required(response, "statusText", JsonValueKind.String, at + ".response");
        Required(response, "httpVersion", JsonValueKind.String, at + ".response");
        Pairs(response, "cookies", Cookie, at + ".response");
        Pairs(response, "headers", Pair, at + ".response");
        var content = Required(response, "content", JsonValueKind.Object, at + ".response");
        Fields(content, Content, at + ".response.content");
        Required(content, "size", JsonValueKind.Number, at + ".response.content");
        Required(content, "mimeType", JsonValueKind.String, at + ".response.content");
        Required(response, "redirectURL", JsonValueKind.String, at + ".response");
        Required(response, "headersSize", JsonValueKind.Number, at + ".response");
        Required(response, "bodySize", JsonValueKind.Number, at + ".response");

        Fields(Required(entry, "cache", JsonValueKind.Object, at), Cache, at + ".cache");
        var timings = Required(entry, "timings", JsonValueKind.Object, at);
        Fields(timings, Timings, at + ".timings");
        var sum = 0.0;
        foreach (var name in (string[])["send", "wait", "receive"])
        {
            var value = Required(timings, name, JsonValueKind.Number, at + ".timings").GetDouble();
            Assert.True(value >= 0, $"{at}.timings.{name} is negative");
            sum += value;
        }

        foreach (var name in (string[])["blocked", "dns", "connect", "ssl"])
        {
            if (timings.TryGetProperty(name, out var value) && value.GetDouble() > 0)
            {
                sum += value.GetDouble();
            }
        }

        // "time: total elapsed time of the request in milliseconds. This is the sum of all timings available."
        Assert.True(Math.Abs(sum - time) < 0.01, $"{at}.time {time} is not the sum of its timings ({sum})");
    }

    private static JsonElement Required(JsonElement parent, string name, JsonValueKind kind, string at)
    {
        Assert.True(parent.TryGetProperty(name, out var value), $"{at}.{name} is required");
        Assert.True(value.ValueKind == kind, $"{at}.{name} is {value.ValueKind}, not {kind}");
        return value;
    }

    private static void Pairs(JsonElement parent, string name, string[] fields, string at)
    {
        foreach (var item in Required(parent, name, JsonValueKind.Array, at).EnumerateArray())
        {
            Fields(item, fields, $"{at}.{name}[]");
            Required(item, "name", JsonValueKind.String, $"{at}.{name}[]");
            Required(item, "value", JsonValueKind.String, $"{at}.{name}[]");
        }
    }

    /// <summary>Only the fields HAR defines at <paramref name="at"/>, and custom ones ('_' first).</summary>
    private static void Fields(JsonElement element, string[] allowed, string at)
    {
        Assert.True(element.ValueKind == JsonValueKind.Object, $"{at} is not an object");
        foreach (var property in element.EnumerateObject())
        {
            Assert.True(allowed.Contains(property.Name) || property.Name.StartsWith('_'), $"{at}.{property.Name} is neither a HAR 1.2 field nor a custom '_' field");
        }
    }
}
