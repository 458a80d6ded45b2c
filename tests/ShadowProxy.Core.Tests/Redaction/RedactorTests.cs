using System.Text;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Redaction;

namespace ShadowProxy.Core.Tests.Redaction;

public sealed class RedactorTests
{
    private readonly Redactor _redactor = new(new RedactOptions
    {
        Headers = ["X-Api-Key"],
        JsonPaths = ["$.user.ssn", "$.cards[*].number", "$..password", "$['odd key']"],
    });

    [Fact]
    public void Configured_and_always_redacted_headers_are_masked()
    {
        var redacted = _redactor.RedactHeaders(
        [
            KeyValuePair.Create("x-api-key", "k"),
            KeyValuePair.Create("Authorization", "Bearer t"),
            KeyValuePair.Create("Proxy-Authorization", "p"),
            KeyValuePair.Create("Accept", "json"),
        ]);

        Assert.Equal(["***", "***", "***", "json"], redacted.Select(h => h.Value));
        Assert.Equal("x-api-key", redacted[0].Key);
    }

    [Fact]
    public void Always_redacted_headers_stay_redacted_when_the_configuration_lists_none()
    {
        var redactor = new Redactor(new RedactOptions { Headers = [] });

        Assert.True(redactor.IsRedactedHeader("cookie"));
        Assert.False(redactor.IsRedactedHeader("Accept"));
    }

    [Fact]
    public void Json_values_at_redacted_paths_become_the_mask()
    {
        var body = """
            {"user":{"name":"ann","ssn":"123-45","nested":{"password":"pw"}},
             "cards":[{"number":"4111","exp":"12/30"},{"number":4222}],
             "odd key":[1,2],"total":12.50,"ok":true,"none":null,"text":"caf\u00e9"}
            """;

        var redacted = Encoding.UTF8.GetString(_redactor.RedactJsonBody(Encoding.UTF8.GetBytes(body)));

        Assert.Equal(
            """{"user":{"name":"ann","ssn":"***","nested":{"password":"***"}},"cards":[{"number":"***","exp":"12/30"},{"number":"***"}],"odd key":"***","total":12.50,"ok":true,"none":null,"text":"café"}""",
            redacted);
    }

    [Theory]
    [InlineData("not json {")]
    [InlineData("")]
    [InlineData("{\"user\":{\"ssn\":1}} trailing")]
    public void Non_json_bodies_are_unchanged(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);

        Assert.Equal(bytes, _redactor.RedactJsonBody(bytes));
    }

    [Fact]
    public void Differences_at_redacted_paths_and_headers_are_masked()
    {
        Assert.Equal(
            new Difference("$.user.ssn", DifferenceKind.ValueChanged, "***", "***", false),
            _redactor.Redact(new Difference("$.user.ssn", DifferenceKind.ValueChanged, "\"1\"", "\"2\"", false)));
        Assert.Equal(
            new Difference("header:Set-Cookie", DifferenceKind.Header, "***", null, false),
            _redactor.Redact(new Difference("header:Set-Cookie", DifferenceKind.Header, "a=b", null, false)));
    }

    [Fact]
    public void Differences_containing_a_redacted_path_are_redacted_inside()
    {
        var difference = new Difference("$.user", DifferenceKind.Missing, """{"name":"ann","ssn":"123"}""", null, false);

        Assert.Equal("""{"name":"ann","ssn":"***"}""", _redactor.Redact(difference).Legacy);
    }

    [Fact]
    public void A_cut_short_value_that_may_contain_a_redacted_path_is_masked_whole()
    {
        var difference = new Difference("$.cards[0]", DifferenceKind.Missing, """{"number":"4111","exp":…""", null, false);

        Assert.Equal("***", _redactor.Redact(difference).Legacy);
    }

    [Fact]
    public void Unrelated_differences_are_unchanged()
    {
        var difference = new Difference("$.total", DifferenceKind.ValueChanged, "1", "2", false);

        Assert.Equal(difference, _redactor.Redact(difference));
    }

    [Fact]
    public void Invalid_json_paths_are_rejected_with_their_key()
    {
        var exception = Assert.Throws<ArgumentException>(() => new Redactor(new RedactOptions { JsonPaths = ["$.a[x"] }));

        Assert.StartsWith("JsonPaths[0]:", exception.Message, StringComparison.Ordinal);
    }
}
