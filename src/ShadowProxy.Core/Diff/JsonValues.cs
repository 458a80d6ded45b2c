using System.Runtime.InteropServices;
using System.Text.Json;

namespace ShadowProxy.Core.Diff;

/// <summary>When two JSON numbers or strings are the same value, for both JSON comparers (reader and document).</summary>
internal static class JsonValues
{
    /// <summary>
    /// Numbers are equal by value: exact text, else decimal (when both fit) and double agree, or within
    /// <paramref name="tolerance"/> when it is positive.
    /// </summary>
    public static bool NumbersEqual<TValue, TAccess>(ref TValue legacy, ref TValue candidate, double tolerance)
        where TValue : allows ref struct
        where TAccess : IJsonValueAccess<TValue>
    {
        if (TAccess.Raw(ref legacy).SequenceEqual(TAccess.Raw(ref candidate)))
        {
            return true;
        }

        if (!TAccess.TryGetDouble(ref legacy, out var legacyDouble) || !TAccess.TryGetDouble(ref candidate, out var candidateDouble))
        {
            return false;
        }

        if (tolerance > 0)
        {
            return Math.Abs(legacyDouble - candidateDouble) <= tolerance;
        }

        if (legacyDouble != candidateDouble)
        {
            return false;
        }

        // Doubles agree; decimal catches differences beyond double precision (0.1 vs 0.10000000000000000001).
        return !TAccess.TryGetDecimal(ref legacy, out var legacyDecimal) || !TAccess.TryGetDecimal(ref candidate, out var candidateDecimal)
            || legacyDecimal == candidateDecimal;
    }

    /// <summary>Strings are equal when their raw text is, or, when escapes are involved, their unescaped text ("\u0041" is "A").</summary>
    public static bool StringsEqual<TValue, TAccess>(ref TValue legacy, ref TValue candidate)
        where TValue : allows ref struct
        where TAccess : IJsonValueAccess<TValue>
    {
        if (TAccess.Raw(ref legacy).SequenceEqual(TAccess.Raw(ref candidate)))
        {
            return true;
        }

        return (TAccess.IsEscaped(ref legacy) || TAccess.IsEscaped(ref candidate))
            && string.Equals(TAccess.GetString(ref legacy), TAccess.GetString(ref candidate), StringComparison.Ordinal);
    }
}

/// <summary>How <see cref="JsonValues"/> reads a value from where a comparer holds it (no copies, no boxing).</summary>
internal interface IJsonValueAccess<TValue>
    where TValue : allows ref struct
{
    /// <summary>The value's raw text, as it stands in the body (compared only with another of the same access).</summary>
    static abstract ReadOnlySpan<byte> Raw(ref TValue value);

    static abstract bool TryGetDouble(ref TValue value, out double result);

    static abstract bool TryGetDecimal(ref TValue value, out decimal result);

    static abstract bool IsEscaped(ref TValue value);

    static abstract string? GetString(ref TValue value);
}

/// <summary>A value under a <see cref="Utf8JsonReader"/> (the reader is on its token).</summary>
internal readonly struct ReaderValue : IJsonValueAccess<Utf8JsonReader>
{
    public static ReadOnlySpan<byte> Raw(ref Utf8JsonReader value) => value.ValueSpan;

    public static bool TryGetDouble(ref Utf8JsonReader value, out double result) => value.TryGetDouble(out result);

    public static bool TryGetDecimal(ref Utf8JsonReader value, out decimal result) => value.TryGetDecimal(out result);

    public static bool IsEscaped(ref Utf8JsonReader value) => value.ValueIsEscaped;

    public static string? GetString(ref Utf8JsonReader value) => value.GetString();
}

/// <summary>A value in a parsed <see cref="JsonDocument"/>.</summary>
internal readonly struct ElementValue : IJsonValueAccess<JsonElement>
{
    public static ReadOnlySpan<byte> Raw(ref JsonElement value) => JsonMarshal.GetRawUtf8Value(value);

    public static bool TryGetDouble(ref JsonElement value, out double result) => value.TryGetDouble(out result);

    public static bool TryGetDecimal(ref JsonElement value, out decimal result) => value.TryGetDecimal(out result);

    public static bool IsEscaped(ref JsonElement value) => JsonMarshal.GetRawUtf8Value(value).IndexOf((byte)'\\') >= 0;

    public static string? GetString(ref JsonElement value) => value.GetString();
}
