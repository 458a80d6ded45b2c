using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ShadowProxy.Core.Replay;

/// <summary>
/// The one JSON shape of the corpus, for the store's payloads, the admin API's exports and the CLI that reads
/// them: camelCase, nulls left out, enums by name, paths and endpoints unescaped (<c>$.items[*]</c>, <c>{id}</c>).
/// </summary>
public static class CorpusJson
{
    public static JsonSerializerOptions Options { get; } = Create(indented: false);

    public static JsonSerializerOptions Indented { get; } = Create(indented: true);

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            WriteIndented = indented,

            // A body of deeply nested JSON is text here, but rules from a hand-edited file are not.
            MaxDepth = 64,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary>The corpus as <c>GET .../exchanges</c> answers it without <c>format=har</c>.</summary>
public sealed record ExchangeCorpus(string Migration, DateTimeOffset ExportedAt, ReplayRules Rules, IReadOnlyList<RecordedExchange> Exchanges);
