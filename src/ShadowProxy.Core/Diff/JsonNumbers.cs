using System.Text.Json;

namespace ShadowProxy.Core.Diff;

/// <summary>When two JSON numbers are the same number, for both JSON comparers.</summary>
internal static class JsonNumbers
{
    /// <summary>
    /// Equal by value: exact text, else decimal (when both fit) and double agree, or within
    /// <paramref name="tolerance"/> when it is positive. Takes the numbers' raw JSON text.
    /// </summary>
    public static bool Equal(ReadOnlySpan<byte> legacy, ReadOnlySpan<byte> candidate, double tolerance)
    {
        if (legacy.SequenceEqual(candidate))
        {
            return true;
        }

        // The reader parses exactly as System.Text.Json does everywhere else (no infinities, no NaN).
        var legacyReader = new Utf8JsonReader(legacy);
        var candidateReader = new Utf8JsonReader(candidate);
        legacyReader.Read();
        candidateReader.Read();
        if (!legacyReader.TryGetDouble(out var legacyDouble) || !candidateReader.TryGetDouble(out var candidateDouble))
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
        return !legacyReader.TryGetDecimal(out var legacyDecimal) || !candidateReader.TryGetDecimal(out var candidateDecimal) || legacyDecimal == candidateDecimal;
    }
}
