using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Diff;

namespace ShadowProxy.Core.Redaction;

/// <summary>
/// Masks secrets before samples reach the store: configured headers (plus <see cref="RedactOptions.AlwaysRedactedHeaders"/>),
/// values at the configured JSON paths, and the same values inside <see cref="Difference"/>s. Immutable and thread-safe.
/// </summary>
public sealed class Redactor
{
    public const string Mask = "***";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 128 };

    private readonly HashSet<string> _headers;
    private readonly PathPatternSet _jsonPaths;

    /// <exception cref="ArgumentException">A JSON path in <paramref name="options"/> is invalid (the message names it).</exception>
    public Redactor(RedactOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _headers = new HashSet<string>(RedactOptions.AlwaysRedactedHeaders, StringComparer.OrdinalIgnoreCase);
        _headers.UnionWith(options.Headers);
        _jsonPaths = PathPatternSet.TryCompile(options.JsonPaths, out var set, out var error)
            ? set
            : throw new ArgumentException(nameof(RedactOptions.JsonPaths) + error, nameof(options));
    }

    public bool IsRedactedHeader(string name) => _headers.Contains(name);

    public IReadOnlyList<KeyValuePair<string, string>> RedactHeaders(IEnumerable<KeyValuePair<string, string>> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return [.. headers.Select(header => IsRedactedHeader(header.Key) ? KeyValuePair.Create(header.Key, Mask) : header)];
    }

    /// <summary>
    /// Returns the body with every value at a redacted path replaced by the string <c>"***"</c> (JSON re-written
    /// compactly). A body that is not valid JSON, or a redactor without JSON paths, returns the bytes unchanged.
    /// </summary>
    public byte[] RedactJsonBody(ReadOnlySpan<byte> utf8) =>
        _jsonPaths.IsEmpty ? utf8.ToArray() : TryRedactJson(utf8, "$") ?? utf8.ToArray();

    /// <summary>Masks the values of a difference at (or containing) a redacted header or JSON path.</summary>
    public Difference Redact(Difference difference)
    {
        ArgumentNullException.ThrowIfNull(difference);
        var path = difference.Path;
        if (path.StartsWith(DiffEngine.HeaderPathPrefix, StringComparison.Ordinal))
        {
            return IsRedactedHeader(path[DiffEngine.HeaderPathPrefix.Length..]) ? Masked(difference) : difference;
        }

        if (_jsonPaths.IsEmpty || !path.StartsWith('$'))
        {
            return difference;
        }

        if (_jsonPaths.Matches(path))
        {
            return Masked(difference);
        }

        // The difference is an ancestor of a redacted path (a Missing object, say): redact inside its rendered value.
        return _jsonPaths.MayMatchWithin(path)
            ? difference with { Legacy = RedactRendered(difference.Legacy, path), Candidate = RedactRendered(difference.Candidate, path) }
            : difference;
    }

    public IReadOnlyList<Difference> Redact(IEnumerable<Difference> differences) => [.. differences.Select(Redact)];

    private static Difference Masked(Difference difference) => difference with
    {
        Legacy = difference.Legacy is null ? null : Mask,
        Candidate = difference.Candidate is null ? null : Mask,
    };

    /// <summary>A rendered value that no longer parses (it was cut short) is masked whole: it might hold a secret.</summary>
    private string? RedactRendered(string? value, string path)
    {
        if (value is null)
        {
            return null;
        }

        var redacted = TryRedactJson(Encoding.UTF8.GetBytes(value), path);
        return redacted is null ? Mask : Encoding.UTF8.GetString(redacted);
    }

    private byte[]? TryRedactJson(ReadOnlySpan<byte> utf8, string rootPath)
    {
        var output = new ArrayBufferWriter<byte>(Math.Max(256, utf8.Length));
        using var path = new PathBuilder(rootPath);
        var containers = new List<Container>();
        try
        {
            using (var writer = new Utf8JsonWriter(output, WriterOptions))
            {
                var reader = new Utf8JsonReader(utf8, ReaderOptions);
                while (reader.Read())
                {
                    CopyToken(ref reader, writer, path, containers);
                }
            }

            return output.WrittenSpan.ToArray();
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            // Utf8JsonWriter refuses structurally invalid sequences, e.g. several root values.
            return null;
        }
    }

    private void CopyToken(ref Utf8JsonReader reader, Utf8JsonWriter writer, PathBuilder path, List<Container> containers)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.PropertyName:
                path.Truncate(containers[^1].PathLength);
                var name = reader.ValueIsEscaped ? reader.GetString()! : null;
                if (name is null)
                {
                    path.AppendProperty(reader.ValueSpan);
                    writer.WritePropertyName(reader.ValueSpan);
                }
                else
                {
                    path.AppendProperty(name.AsSpan());
                    writer.WritePropertyName(name);
                }

                return;
            case JsonTokenType.EndObject:
            case JsonTokenType.EndArray:
                containers.RemoveAt(containers.Count - 1);
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    writer.WriteEndObject();
                }
                else
                {
                    writer.WriteEndArray();
                }

                return;
        }

        // A value starts: inside an array its path is the next index; inside an object the property set it.
        if (containers.Count > 0 && containers[^1].IsArray)
        {
            var array = containers[^1];
            path.Truncate(array.PathLength);
            path.AppendIndex(array.NextIndex);
            containers[^1] = array with { NextIndex = array.NextIndex + 1 };
        }

        if (_jsonPaths.Matches(path.Span))
        {
            writer.WriteStringValue(Mask);
            reader.Skip();
            return;
        }

        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                writer.WriteStartObject();
                containers.Add(new Container(IsArray: false, path.Length, 0));
                break;
            case JsonTokenType.StartArray:
                writer.WriteStartArray();
                containers.Add(new Container(IsArray: true, path.Length, 0));
                break;
            case JsonTokenType.String when reader.ValueIsEscaped:
                writer.WriteStringValue(reader.GetString());
                break;
            case JsonTokenType.String:
                writer.WriteStringValue(reader.ValueSpan);
                break;
            case JsonTokenType.Number:
                writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                break;
            case JsonTokenType.True:
            case JsonTokenType.False:
                writer.WriteBooleanValue(reader.TokenType == JsonTokenType.True);
                break;
            case JsonTokenType.Null:
                writer.WriteNullValue();
                break;
        }
    }

    private readonly record struct Container(bool IsArray, int PathLength, int NextIndex);
}
