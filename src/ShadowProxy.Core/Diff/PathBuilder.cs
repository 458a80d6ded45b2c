using System.Buffers;
using System.Text;

namespace ShadowProxy.Core.Diff;

/// <summary>
/// Builds difference paths (<c>$.items[2].price</c>) in a pooled char buffer while a JSON tree is walked,
/// so a string is only made when a difference is recorded. Callers remember <see cref="Length"/> before
/// descending and <see cref="Truncate"/> back to it. Not thread-safe: one per comparison.
/// </summary>
internal sealed class PathBuilder : IDisposable
{
    private char[] _buffer;
    private int _length;

    public PathBuilder(string root = "$")
    {
        _buffer = ArrayPool<char>.Shared.Rent(256);
        Append(root);
    }

    public int Length => _length;

    public ReadOnlySpan<char> Span => _buffer.AsSpan(0, _length);

    public void Truncate(int length) => _length = length;

    public void AppendIndex(int index)
    {
        Reserve(12);
        _buffer[_length++] = '[';
        index.TryFormat(_buffer.AsSpan(_length), out var written, provider: null);
        _length += written;
        _buffer[_length++] = ']';
    }

    /// <summary>
    /// Appends an element named by its identity, <c>[id=7]</c> or <c>[sku='A B']</c>: the value stays bare when it
    /// is plain (letters, digits, '_', '-', '.'), else it is single-quoted with <c>\'</c> and <c>\\</c> escapes.
    /// </summary>
    public void AppendIdentity(string key, string value)
    {
        Reserve(key.Length + (value.Length * 2) + 5);
        _buffer[_length++] = '[';
        Append(key);
        _buffer[_length++] = '=';
        if (IsPlainIdentity(value))
        {
            Append(value);
        }
        else
        {
            AppendQuoted(value);
        }

        _buffer[_length++] = ']';
    }

    internal static bool IsPlainIdentity(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Appends a property given as unescaped UTF-8 (the usual case: no transcoding for ASCII names).</summary>
    public void AppendProperty(ReadOnlySpan<byte> utf8Name)
    {
        if (Ascii.IsValid(utf8Name))
        {
            // Copy the name after a '.' slot; keep it when it needs no quoting (the common case).
            Reserve(utf8Name.Length + 1);
            var chars = _buffer.AsSpan(_length + 1, utf8Name.Length);
            Ascii.ToUtf16(utf8Name, chars, out _);
            if (IsPlainName(chars))
            {
                _buffer[_length] = '.';
                _length += utf8Name.Length + 1;
                return;
            }
        }

        var rented = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(utf8Name.Length));
        try
        {
            var count = Encoding.UTF8.GetChars(utf8Name, rented);
            AppendProperty(rented.AsSpan(0, count));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    public void AppendProperty(ReadOnlySpan<char> name)
    {
        if (IsPlainName(name))
        {
            Reserve(name.Length + 1);
            _buffer[_length++] = '.';
            Append(name);
            return;
        }

        Reserve(name.Length * 2 + 4);
        _buffer[_length++] = '[';
        AppendQuoted(name);
        _buffer[_length++] = ']';
    }

    /// <summary>Writes <paramref name="text"/> in single quotes with <c>\'</c> and <c>\\</c> escapes; the caller reserved room.</summary>
    private void AppendQuoted(ReadOnlySpan<char> text)
    {
        _buffer[_length++] = '\'';
        foreach (var c in text)
        {
            if (c is '\'' or '\\')
            {
                _buffer[_length++] = '\\';
            }

            _buffer[_length++] = c;
        }

        _buffer[_length++] = '\'';
    }

    public override string ToString() => new(_buffer, 0, _length);

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    /// <summary>Names written in dot form; anything else is bracket-quoted so the path reads back unambiguously.</summary>
    internal static bool IsPlainName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private void Append(ReadOnlySpan<char> text)
    {
        Reserve(text.Length);
        text.CopyTo(_buffer.AsSpan(_length));
        _length += text.Length;
    }

    private void Reserve(int more)
    {
        if (_length + more <= _buffer.Length)
        {
            return;
        }

        var larger = ArrayPool<char>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + more));
        _buffer.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<char>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
