using System.Text;

namespace ShadowProxy.Core.Diff;

/// <summary>Short renderings of values for <see cref="Difference"/>: long values are cut and end with "…".</summary>
internal static class ValueText
{
    public const int MaxChars = 200;
    private const char Ellipsis = '…';

    public static string FromUtf8(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length <= MaxChars)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        // Cut at a character boundary so the kept prefix decodes cleanly.
        var cut = MaxChars;
        while (cut > 0 && (utf8[cut] & 0b1100_0000) == 0b1000_0000)
        {
            cut--;
        }

        return Encoding.UTF8.GetString(utf8[..cut]) + Ellipsis;
    }

    public static string FromText(string text) => text.Length <= MaxChars ? text : string.Concat(text.AsSpan(0, MaxChars), Ellipsis.ToString());
}
