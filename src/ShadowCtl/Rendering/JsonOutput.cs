using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ShadowCtl.Rendering;

/// <summary><c>--json</c>: the API's own JSON, indented, so that scripts see the contract and not a CLI rendering of it.</summary>
internal static class JsonOutput
{
    private static readonly JsonWriterOptions Indented = new()
    {
        Indented = true,

        // Paths such as "$.items[*]" and endpoints such as "GET /api/orders/{id}" stay readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Pretty(string json)
    {
        using var document = JsonDocument.Parse(json);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Indented))
        {
            document.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length) + "\n";
    }
}
