using System.Globalization;
using System.Text;
using System.Text.Json;
using ShadowCtl.Api;

namespace ShadowCtl.Rendering;

/// <summary>
/// One stored sample for a terminal: the request, its differences (with why a noise one is noise), then both
/// bodies pretty-printed in two columns, a '|' between them and a '*' in the margin where the lines differ.
/// </summary>
internal static class SideBySide
{
    public static void Write(StringBuilder output, SampleDetail sample, int width)
    {
        var request = sample.Sample.Request;
        output.Append(CultureInfo.InvariantCulture, $"Sample {sample.Id}: {request.Method} {request.Path}{request.Query} at {sample.Endpoint}, {Format.Time(sample.Time)}\n\n");
        var table = new Table("PATH", "KIND", "LEGACY", "CANDIDATE", "NOISE");
        foreach (var d in sample.Differences)
        {
            table.Add(d.CandidatePath is null ? d.Path : d.Path + " -> " + d.CandidatePath, d.Kind, Cut(d.Legacy ?? "-", width / 2), Cut(d.Candidate ?? "-", width / 2),
                d.IsNoise ? d.NoiseSource ?? "noise" : "-");
        }

        table.WriteTo(output);
        if (sample.DifferencesTruncated)
        {
            output.Append("(not every difference is listed)\n");
        }

        var legacy = Lines(sample.Sample.Legacy);
        var candidate = Lines(sample.Sample.Candidate);
        output.Append('\n');
        output.Append("  ").Append(Pad("LEGACY", width)).Append(" | CANDIDATE\n");
        for (var i = 0; i < Math.Max(legacy.Count, candidate.Count); i++)
        {
            var left = i < legacy.Count ? legacy[i] : string.Empty;
            var right = i < candidate.Count ? candidate[i] : string.Empty;
            output.Append(left == right ? "  " : "* ").Append(Pad(Cut(left, width), width)).Append(" | ").Append(Cut(right, width)).Append('\n');
        }
    }

    /// <summary>The status line, then the body: JSON indented, anything else as sent.</summary>
    private static List<string> Lines(SampleResponse response)
    {
        var lines = new List<string> { response.Failure is null ? "status " + response.Status.ToString(CultureInfo.InvariantCulture) : "no response: " + response.Failure };
        if (response.Body is not { } body)
        {
            return lines;
        }

        if (body.Base64)
        {
            lines.Add($"(binary, {body.Content.Length} base64 characters)");
            return lines;
        }

        var text = body.Content;
        try
        {
            using var document = JsonDocument.Parse(text);
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                document.RootElement.WriteTo(writer);
            }

            text = Encoding.UTF8.GetString(buffer.ToArray());
        }
        catch (JsonException)
        {
        }

        lines.AddRange(text.ReplaceLineEndings("\n").Split('\n'));
        if (body.Truncated)
        {
            lines.Add("(truncated)");
        }

        return lines;
    }

    private static string Cut(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";

    private static string Pad(string text, int width) => text.Length >= width ? text : text + new string(' ', width - text.Length);
}
