using System.Buffers;
using System.Globalization;

namespace ShadowProxy.Core.OpenApi;

/// <summary>The JSON Schema formats inference recognises in strings; a position has a format when every string seen there has it.</summary>
[Flags]
internal enum StringFormat
{
    None = 0,
    Uuid = 1,
    DateTime = 2,
    Date = 4,
    Email = 8,
    Uri = 16,
    All = Uuid | DateTime | Date | Email | Uri,
}

internal static class StringFormats
{
    private static readonly SearchValues<char> NotInEmail = SearchValues.Create(" \t\r\n<>()[],;:\"\\");
    private static readonly SearchValues<char> Whitespace = SearchValues.Create(" \t\r\n");

    /// <summary>The formats <paramref name="value"/> satisfies (strict: RFC 3339 date-times with an offset, hyphenated UUIDs, absolute URIs with an authority).</summary>
    public static StringFormat Of(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty || value.Length > 2048)
        {
            return StringFormat.None;
        }

        if (value.Length == 36 && Guid.TryParseExact(value, "D", out _))
        {
            return StringFormat.Uuid;
        }

        if (IsDate(value))
        {
            return StringFormat.Date;
        }

        if (value.Length > 10 && IsDate(value[..10]) && IsDateTime(value))
        {
            return StringFormat.DateTime;
        }

        if (IsEmail(value))
        {
            return StringFormat.Email;
        }

        return IsUri(value) ? StringFormat.Uri : StringFormat.None;
    }

    /// <summary>The JSON Schema name of the single most specific format in <paramref name="formats"/>, or null.</summary>
    public static string? Name(StringFormat formats) =>
        formats.HasFlag(StringFormat.Uuid) ? "uuid"
        : formats.HasFlag(StringFormat.DateTime) ? "date-time"
        : formats.HasFlag(StringFormat.Date) ? "date"
        : formats.HasFlag(StringFormat.Email) ? "email"
        : formats.HasFlag(StringFormat.Uri) ? "uri"
        : null;

    // yyyy-MM-dd, a real calendar date.
    private static bool IsDate(ReadOnlySpan<char> value) =>
        value.Length == 10 && value[4] == '-' && value[7] == '-'
        && DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    // RFC 3339: date 'T' time, optional fraction, then 'Z' or ±hh:mm.
    private static bool IsDateTime(ReadOnlySpan<char> value)
    {
        if (value.Length < 20 || value[10] is not ('T' or 't') || value[13] != ':' || value[16] != ':'
            || !AllDigits(value[11..13]) || !AllDigits(value[14..16]) || !AllDigits(value[17..19]))
        {
            return false;
        }

        var rest = value[19..];
        if (rest[0] == '.')
        {
            var digits = 1;
            while (digits < rest.Length && char.IsAsciiDigit(rest[digits]))
            {
                digits++;
            }

            if (digits == 1)
            {
                return false;
            }

            rest = rest[digits..];
        }

        var offsetOk = rest is ['Z' or 'z'] || (rest.Length == 6 && rest[0] is '+' or '-' && rest[3] == ':' && AllDigits(rest[1..3]) && AllDigits(rest[4..6]));
        return offsetOk && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out _);
    }

    private static bool AllDigits(ReadOnlySpan<char> value) => value.IndexOfAnyExceptInRange('0', '9') < 0;

    // local@domain.tld: one '@', no whitespace, a dot in the domain that neither starts nor ends it.
    private static bool IsEmail(ReadOnlySpan<char> value)
    {
        var at = value.IndexOf('@');
        if (at <= 0 || at != value.LastIndexOf('@') || value.Length > 254 || value.ContainsAny(NotInEmail))
        {
            return false;
        }

        var domain = value[(at + 1)..];
        var dot = domain.LastIndexOf('.');
        return dot > 0 && dot < domain.Length - 2 && domain[0] != '.';
    }

    private static bool IsUri(ReadOnlySpan<char> value)
    {
        var scheme = value.IndexOf("://", StringComparison.Ordinal);
        return scheme > 0 && !value.ContainsAny(Whitespace)
            && Uri.TryCreate(value.ToString(), UriKind.Absolute, out var uri) && uri.Authority.Length > 0;
    }
}
