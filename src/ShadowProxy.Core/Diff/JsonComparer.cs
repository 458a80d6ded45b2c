using System.Runtime.InteropServices;
using System.Text.Json;

namespace ShadowProxy.Core.Diff;

/// <summary>
/// Structural comparison of two parsed JSON documents, reporting into a <see cref="DiffContext"/>.
/// Works on <see cref="JsonElement"/>s over the original UTF-8 bytes (no string trees): names and values are
/// compared as raw bytes first and only unescaped or parsed when the raw forms differ.
/// </summary>
internal sealed partial class JsonComparer(DiffContext context, double numericTolerance, PathPatternSet unorderedArrays, ArrayKeyRules arrayKeys)
{
    private const byte Backslash = (byte)'\\';

    public void Compare(JsonElement legacy, JsonElement candidate)
    {
        if (context.IsSaturated)
        {
            return;
        }

        if (KindOf(legacy.ValueKind) != KindOf(candidate.ValueKind))
        {
            Report(DifferenceKind.TypeChanged, legacy, candidate);
            return;
        }

        switch (legacy.ValueKind)
        {
            case JsonValueKind.Object:
                CompareObjects(legacy, candidate);
                break;
            case JsonValueKind.Array:
                CompareArrays(legacy, candidate);
                break;
            case JsonValueKind.Number when !NumbersEqual(legacy, candidate):
            case JsonValueKind.String when !StringsEqual(legacy, candidate):
            case JsonValueKind.True or JsonValueKind.False when legacy.ValueKind != candidate.ValueKind:
                Report(DifferenceKind.ValueChanged, legacy, candidate);
                break;
        }
    }

    /// <summary>Equality without reporting, for matching elements of unordered arrays.</summary>
    public bool ValuesEqual(JsonElement legacy, JsonElement candidate)
    {
        if (KindOf(legacy.ValueKind) != KindOf(candidate.ValueKind))
        {
            return false;
        }

        switch (legacy.ValueKind)
        {
            case JsonValueKind.Object:
                var count = 0;
                foreach (var property in legacy.EnumerateObject())
                {
                    count++;
                    if (!TryGetCounterpart(property, candidate, out var other) || !ValuesEqual(property.Value, other))
                    {
                        return false;
                    }
                }

                return count == candidate.GetPropertyCount();
            case JsonValueKind.Array:
                if (legacy.GetArrayLength() != candidate.GetArrayLength())
                {
                    return false;
                }

                var candidateItems = candidate.EnumerateArray();
                foreach (var item in legacy.EnumerateArray())
                {
                    candidateItems.MoveNext();
                    if (!ValuesEqual(item, candidateItems.Current))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Number:
                return NumbersEqual(legacy, candidate);
            case JsonValueKind.String:
                return StringsEqual(legacy, candidate);
            default:
                return legacy.ValueKind == candidate.ValueKind;
        }
    }

    private void CompareObjects(JsonElement legacy, JsonElement candidate)
    {
        var path = context.Path;
        var mark = path.Length;
        var matched = 0;

        // Most pairs list keys in the same order: walk the candidate alongside and look up only after a mismatch.
        var candidateProperties = candidate.EnumerateObject();
        var inStep = true;
        HashSet<string>? renamedTargets = null;
        foreach (var property in legacy.EnumerateObject())
        {
            JsonElement other = default;
            bool found;
            if (inStep && candidateProperties.MoveNext() && NameEquals(property, candidateProperties.Current))
            {
                other = candidateProperties.Current.Value;
                found = true;
            }
            else
            {
                inStep = false;
                found = TryGetCounterpart(property, candidate, out other);
            }

            AppendName(property);
            if (found)
            {
                matched++;
                Compare(property.Value, other);
            }
            else if (TryFindRenamed(property, legacy, candidate, renamedTargets, out var renamed))
            {
                matched++;
                (renamedTargets ??= new HashSet<string>(StringComparer.Ordinal)).Add(renamed.Name);
                CompareRenamed(property, renamed, mark);
            }
            else
            {
                Report(DifferenceKind.Missing, property.Value, null);
            }

            path.Truncate(mark);
            if (context.IsSaturated)
            {
                return;
            }
        }

        if (matched == candidate.GetPropertyCount())
        {
            return;
        }

        foreach (var property in candidate.EnumerateObject())
        {
            if (!TryGetCounterpart(property, legacy, out _) && renamedTargets?.Contains(property.Name) != true)
            {
                AppendName(property);
                Report(DifferenceKind.Extra, null, property.Value);
                path.Truncate(mark);
                if (context.IsSaturated)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// A legacy key the candidate lacks, whose name the candidate has under another spelling (equal ignoring case,
    /// '_' and '-'), where that spelling is not a key of legacy's too: a rename (docs/comparison.md#differences). Only reached once the
    /// keys stopped lining up, so it costs nothing on pairs without missing keys.
    /// </summary>
    private static bool TryFindRenamed(JsonProperty property, JsonElement legacy, JsonElement candidate, HashSet<string>? taken, out JsonProperty renamed)
    {
        var name = property.Name;
        foreach (var other in candidate.EnumerateObject())
        {
            if (RenameEquals(name, other.Name) && taken?.Contains(other.Name) != true && !TryGetCounterpart(other, legacy, out _))
            {
                renamed = other;
                return true;
            }
        }

        renamed = default;
        return false;
    }

    /// <summary>One <see cref="DifferenceKind.Renamed"/> at legacy's path; the values are then compared under the candidate's path.</summary>
    private void CompareRenamed(JsonProperty legacyProperty, JsonProperty candidateProperty, int mark)
    {
        var path = context.Path;
        var legacyPath = path.Span.ToString();
        path.Truncate(mark);
        AppendName(candidateProperty);
        if (context.TryAdmit(legacyPath, out var isNoise))
        {
            context.AddRenamed(legacyPath, path.Span, legacyProperty.Name, candidateProperty.Name, isNoise);
        }

        Compare(legacyProperty.Value, candidateProperty.Value);
    }

    /// <summary>Names equal ignoring case, '_' and '-' (customerName, customer_name, Customer-Name).</summary>
    internal static bool RenameEquals(string legacy, string candidate)
    {
        int i = 0, j = 0;
        while (true)
        {
            while (i < legacy.Length && legacy[i] is '_' or '-')
            {
                i++;
            }

            while (j < candidate.Length && candidate[j] is '_' or '-')
            {
                j++;
            }

            if (i == legacy.Length || j == candidate.Length)
            {
                return i == legacy.Length && j == candidate.Length;
            }

            if (char.ToLowerInvariant(legacy[i]) != char.ToLowerInvariant(candidate[j]))
            {
                return false;
            }

            i++;
            j++;
        }
    }

    /// <summary>A hash consistent with <see cref="ValuesEqual"/>: key order and number format do not change it.</summary>
    private int Hash(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var sum = 17;
                foreach (var property in element.EnumerateObject())
                {
                    // Addition makes the hash independent of key order.
                    sum += HashCode.Combine(HashName(property), Hash(property.Value));
                }

                return sum;
            case JsonValueKind.Array:
                var combined = new HashCode();
                foreach (var item in element.EnumerateArray())
                {
                    combined.Add(Hash(item));
                }

                return combined.ToHashCode();
            case JsonValueKind.Number:
                // With a tolerance nearby numbers are equal, so no finer hash is consistent.
                return numericTolerance > 0 || !element.TryGetDouble(out var value) ? 3 : (value == 0 ? 0d : value).GetHashCode();
            case JsonValueKind.String:
                var raw = JsonMarshal.GetRawUtf8Value(element);
                if (raw.IndexOf(Backslash) >= 0)
                {
                    return StringComparer.Ordinal.GetHashCode(element.GetString()!);
                }

                var bytes = new HashCode();
                bytes.AddBytes(raw);
                return bytes.ToHashCode();
            default:
                return (int)KindOf(element.ValueKind);
        }
    }

    private static int HashName(JsonProperty property)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(property);
        if (raw.IndexOf(Backslash) >= 0)
        {
            return StringComparer.Ordinal.GetHashCode(property.Name);
        }

        var hash = new HashCode();
        hash.AddBytes(raw);
        return hash.ToHashCode();
    }

    private bool NumbersEqual(JsonElement legacy, JsonElement candidate) =>
        JsonValues.NumbersEqual<JsonElement, ElementValue>(ref legacy, ref candidate, numericTolerance);

    private static bool StringsEqual(JsonElement legacy, JsonElement candidate) =>
        JsonValues.StringsEqual<JsonElement, ElementValue>(ref legacy, ref candidate);

    private static bool NameEquals(JsonProperty property, JsonProperty other)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(property);
        return raw.IndexOf(Backslash) < 0 ? other.NameEquals(raw) : other.NameEquals(property.Name);
    }

    private static bool TryGetCounterpart(JsonProperty property, JsonElement obj, out JsonElement value)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(property);
        return raw.IndexOf(Backslash) < 0 ? obj.TryGetProperty(raw, out value) : obj.TryGetProperty(property.Name, out value);
    }

    private void AppendName(JsonProperty property)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(property);
        if (raw.IndexOf(Backslash) < 0)
        {
            context.Path.AppendProperty(raw);
        }
        else
        {
            context.Path.AppendProperty(property.Name.AsSpan());
        }
    }

    private void Report(DifferenceKind kind, JsonElement? legacy, JsonElement? candidate)
    {
        if (context.TryAdmit(context.Path.Span, out var isNoise))
        {
            context.Add(context.Path.Span, kind, Render(legacy), Render(candidate), isNoise);
        }
    }

    private static string? Render(JsonElement? element) =>
        element is { } value ? ValueText.FromUtf8(JsonMarshal.GetRawUtf8Value(value)) : null;

    private static JsonValueKind KindOf(JsonValueKind kind) => kind == JsonValueKind.False ? JsonValueKind.True : kind;
}
