namespace ShadowProxy.Core.Diff;

internal enum PathSegmentKind : byte
{
    Property,
    Index,
    AnyProperty,
    AnyIndex,

    /// <summary>An array element named by its identity, <c>[id=7]</c>: Start and Length span the text between the brackets.</summary>
    Identity,
}

/// <summary>
/// One step of a JSON path as read from text. Property names point into the source text
/// (<see cref="Start"/>, <see cref="Length"/>) and may still hold the <c>\'</c> / <c>\\</c> escapes of the
/// bracket form, so reading a path allocates nothing.
/// </summary>
internal readonly record struct PathSegment(PathSegmentKind Kind, int Start, int Length, int Index, bool RecursiveDescent, bool Escaped);

/// <summary>
/// Reads the JSONPath subset the engine writes and the configuration accepts:
/// <c>$</c>, <c>.name</c>, <c>['name']</c>, <c>["name"]</c>, <c>[3]</c>, <c>[*]</c>, <c>.*</c> and <c>..</c> (recursive descent).
/// </summary>
internal ref struct JsonPathReader
{
    private readonly ReadOnlySpan<char> _text;
    private readonly bool _allowWildcards;
    private int _position;

    public JsonPathReader(ReadOnlySpan<char> text, bool allowWildcards)
    {
        _text = text;
        _allowWildcards = allowWildcards;
        _position = text.Length > 0 && text[0] == '$' ? 1 : text.Length;
        Error = text.Length > 0 && text[0] == '$' ? null : "a JSON path starts with '$'";
    }

    /// <summary>Why the text is not a path; null while it is.</summary>
    public string? Error { get; private set; }

    public bool TryRead(out PathSegment segment)
    {
        segment = default;
        if (Error is not null || _position >= _text.Length)
        {
            return false;
        }

        var recursive = false;
        if (_text[_position] == '.')
        {
            _position++;
            if (_position < _text.Length && _text[_position] == '.')
            {
                if (!_allowWildcards)
                {
                    return Fail("'..' is only allowed in patterns");
                }

                recursive = true;
                _position++;
                if (_position < _text.Length && _text[_position] == '[')
                {
                    return TryReadBracket(recursive, out segment);
                }
            }

            return TryReadDotted(recursive, out segment);
        }

        if (_text[_position] == '[')
        {
            return TryReadBracket(recursive, out segment);
        }

        return Fail($"unexpected '{_text[_position]}' at {_position}");
    }

    private bool TryReadDotted(bool recursive, out PathSegment segment)
    {
        segment = default;
        var start = _position;
        while (_position < _text.Length && _text[_position] is not ('.' or '['))
        {
            _position++;
        }

        var length = _position - start;
        if (length == 0)
        {
            return Fail($"empty name at {start}");
        }

        if (length == 1 && _text[start] == '*')
        {
            if (!_allowWildcards)
            {
                return Fail("'*' is only allowed in patterns");
            }

            segment = new PathSegment(PathSegmentKind.AnyProperty, start, 1, 0, recursive, false);
            return true;
        }

        segment = new PathSegment(PathSegmentKind.Property, start, length, 0, recursive, false);
        return true;
    }

    private bool TryReadBracket(bool recursive, out PathSegment segment)
    {
        segment = default;
        var open = _position;
        _position++;
        if (_position >= _text.Length)
        {
            return Fail($"unterminated '[' at {open}");
        }

        var first = _text[_position];
        if (first is '\'' or '"')
        {
            return TryReadQuoted(first, recursive, out segment);
        }

        var equals = _text[_position..].IndexOfAny('=', ']');
        if (equals > 0 && _text[_position + equals] == '=')
        {
            return TryReadIdentity(open, recursive, out segment);
        }

        var close = _text[_position..].IndexOf(']');
        if (close < 0)
        {
            return Fail($"unterminated '[' at {open}");
        }

        var inner = _text.Slice(_position, close);
        var innerStart = _position;
        _position += close + 1;
        if (inner is "*")
        {
            if (!_allowWildcards)
            {
                return Fail("'[*]' is only allowed in patterns");
            }

            segment = new PathSegment(PathSegmentKind.AnyIndex, innerStart, 1, 0, recursive, false);
            return true;
        }

        if (inner.Length == 0 || inner.Length > 9 || !IsAsciiDigits(inner))
        {
            return Fail($"'[{inner}]' at {open} is neither an index, '*' nor a quoted name");
        }

        segment = new PathSegment(PathSegmentKind.Index, innerStart, inner.Length, int.Parse(inner, provider: null), recursive, false);
        return true;
    }

    /// <summary>
    /// <c>[key=value]</c> or <c>[key='value']</c> (the quoted form may hold <c>]</c>, and <c>\'</c> / <c>\\</c>
    /// escapes); the segment spans the text between the brackets, compared as written.
    /// </summary>
    private bool TryReadIdentity(int open, bool recursive, out PathSegment segment)
    {
        segment = default;
        var start = _position;
        var equals = start + _text[start..].IndexOf('=');
        if (!PathBuilder.IsPlainName(_text[start..equals]))
        {
            return Fail($"'[' at {open}: an identity key is a plain name");
        }

        _position = equals + 1;
        if (_position < _text.Length && _text[_position] == '\'')
        {
            _position++;
            while (_position < _text.Length && _text[_position] != '\'')
            {
                _position += _text[_position] == '\\' ? 2 : 1;
            }

            if (_position >= _text.Length)
            {
                return Fail($"unterminated quote after {open}");
            }

            _position++;
        }
        else
        {
            while (_position < _text.Length && _text[_position] != ']')
            {
                _position++;
            }
        }

        if (_position >= _text.Length || _text[_position] != ']' || _position == equals + 1)
        {
            return Fail($"unterminated or empty identity at {open}");
        }

        segment = new PathSegment(PathSegmentKind.Identity, start, _position - start, 0, recursive, false);
        _position++;
        return true;
    }

    private bool TryReadQuoted(char quote, bool recursive, out PathSegment segment)
    {
        segment = default;
        var open = _position - 1;
        var start = ++_position;
        var escaped = false;
        while (_position < _text.Length && _text[_position] != quote)
        {
            if (_text[_position] == '\\')
            {
                escaped = true;
                _position++;
            }

            _position++;
        }

        if (_position >= _text.Length)
        {
            return Fail($"unterminated quote at {open + 1}");
        }

        if (_position + 1 >= _text.Length || _text[_position + 1] != ']')
        {
            return Fail($"expected ']' at {_position + 1}");
        }

        segment = new PathSegment(PathSegmentKind.Property, start, _position - start, 0, recursive, escaped);
        _position += 2;
        return true;
    }

    private bool Fail(string error)
    {
        Error = error;
        return false;
    }

    private static bool IsAsciiDigits(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Compares a name as written in a path (maybe with bracket escapes) with a plain name.</summary>
    public static bool NameEquals(ReadOnlySpan<char> written, bool escaped, ReadOnlySpan<char> plain)
    {
        if (!escaped)
        {
            return written.SequenceEqual(plain);
        }

        var p = 0;
        for (var i = 0; i < written.Length; i++, p++)
        {
            var c = written[i];
            if (c == '\\' && i + 1 < written.Length)
            {
                c = written[++i];
            }

            if (p >= plain.Length || plain[p] != c)
            {
                return false;
            }
        }

        return p == plain.Length;
    }

    public static string Unescape(ReadOnlySpan<char> written, bool escaped)
    {
        if (!escaped)
        {
            return written.ToString();
        }

        var builder = new System.Text.StringBuilder(written.Length);
        for (var i = 0; i < written.Length; i++)
        {
            var c = written[i];
            builder.Append(c == '\\' && i + 1 < written.Length ? written[++i] : c);
        }

        return builder.ToString();
    }
}
