using System.Globalization;

namespace ShadowProxy.Core.Text;

/// <summary>
/// Parses a number written in plain or exponent notation (<c>12.5</c>, <c>1.25e1</c>) into a
/// <see cref="decimal"/> only when the decimal is exactly that number. <c>decimal.Parse</c> rounds
/// silently (<c>1e-30</c> becomes 0), which for a weight or a threshold is a different setting than
/// the one written: those are refused here instead (docs/security.md, "no silent rounding").
/// </summary>
public static class ExactDecimal
{
    // decimal holds 28 significant digits for certain (its 96-bit mantissa holds some of 29).
    private const int MaxDigits = 28;
    private const int MaxScale = 28;

    public static bool TryParse(string? text, out decimal value)
    {
        value = 0;
        var s = text.AsSpan().Trim();
        var negative = false;
        if (!s.IsEmpty && (s[0] == '-' || s[0] == '+'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        var exponentAt = s.IndexOfAny('e', 'E');
        var exponent = 0;
        if (exponentAt >= 0)
        {
            // A short exponent is all any decimal needs; a long one is either zero digits or not exact.
            var exponentText = s[(exponentAt + 1)..];
            if (exponentText.Length is 0 or > 6 || !int.TryParse(exponentText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent))
            {
                return false;
            }

            s = s[..exponentAt];
        }

        var dot = s.IndexOf('.');
        var integer = dot < 0 ? s : s[..dot];
        var fraction = dot < 0 ? [] : s[(dot + 1)..];
        if ((integer.IsEmpty && fraction.IsEmpty) || (dot >= 0 && fraction.IsEmpty) || !IsDigits(integer) || !IsDigits(fraction))
        {
            return false;
        }

        // value = digits × 10^-scale, digits without leading zeros and (while scale > 0) trailing ones.
        var digits = string.Concat(integer, fraction).TrimStart('0');
        long scale = fraction.Length - (long)exponent;
        if (digits.Length == 0)
        {
            return true;
        }

        while (scale > 0 && digits[^1] == '0')
        {
            digits = digits[..^1];
            scale--;
        }

        if (scale < 0)
        {
            if (digits.Length - scale > MaxDigits)
            {
                return false;
            }

            digits += new string('0', (int)-scale);
            scale = 0;
        }

        if (digits.Length > MaxDigits || scale > MaxScale)
        {
            return false;
        }

        var padded = digits.PadLeft((int)scale + 1, '0');
        var plain = scale == 0 ? digits : padded.Insert(padded.Length - (int)scale, ".");
        value = decimal.Parse(plain, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        if (negative)
        {
            value = -value;
        }

        return true;
    }

    private static bool IsDigits(ReadOnlySpan<char> text) => !text.ContainsAnyExceptInRange('0', '9');
}
