using System.Runtime.InteropServices;
using System.Text.Json;

namespace ShadowProxy.Core.Diff;

/// <summary>When two JSON numbers are the same number, for both JSON comparers (reader and document).</summary>
internal static class JsonNumbers
{
    /// <summary>
    /// Equal by value: exact text, else decimal (when both fit) and double agree, or within
    /// <paramref name="tolerance"/> when it is positive.
    /// </summary>
    public static bool Equal<TNumber, TAccess>(ref TNumber legacy, ref TNumber candidate, double tolerance)
        where TNumber : allows ref struct
        where TAccess : INumberAccess<TNumber>
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
}

/// <summary>How <see cref="JsonNumbers"/> reads a number from where a comparer holds it (no copies, no boxing).</summary>
internal interface INumberAccess<TNumber>
    where TNumber : allows ref struct
{
    static abstract ReadOnlySpan<byte> Raw(ref TNumber number);

    static abstract bool TryGetDouble(ref TNumber number, out double value);

    static abstract bool TryGetDecimal(ref TNumber number, out decimal value);
}

/// <summary>A number under a <see cref="Utf8JsonReader"/> (the reader is on its token).</summary>
internal readonly struct ReaderNumber : INumberAccess<Utf8JsonReader>
{
    public static ReadOnlySpan<byte> Raw(ref Utf8JsonReader number) => number.ValueSpan;

    public static bool TryGetDouble(ref Utf8JsonReader number, out double value) => number.TryGetDouble(out value);

    public static bool TryGetDecimal(ref Utf8JsonReader number, out decimal value) => number.TryGetDecimal(out value);
}

/// <summary>A number in a parsed <see cref="JsonDocument"/>.</summary>
internal readonly struct ElementNumber : INumberAccess<JsonElement>
{
    public static ReadOnlySpan<byte> Raw(ref JsonElement number) => JsonMarshal.GetRawUtf8Value(number);

    public static bool TryGetDouble(ref JsonElement number, out double value) => number.TryGetDouble(out value);

    public static bool TryGetDecimal(ref JsonElement number, out decimal value) => number.TryGetDecimal(out value);
}
