using System.Buffers;

namespace ShadowProxy.Core.Buffers;

/// <summary>
/// A growable byte buffer over pooled arrays that keeps at most <see cref="Capacity"/> bytes.
/// Writes past the cap are counted but not kept, so a caller streaming a body through it never
/// allocates more than the cap. Not thread-safe: one writer, then readers after it is complete.
/// </summary>
public sealed class CappedBuffer : IDisposable
{
    private const int InitialSize = 4096;

    private byte[]? _buffer;
    private int _length;

    public CappedBuffer(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = (int)Math.Min(capacity, Array.MaxLength);
    }

    /// <summary>The most bytes this buffer keeps.</summary>
    public int Capacity { get; }

    /// <summary>Bytes offered, kept or not.</summary>
    public long TotalBytes { get; private set; }

    /// <summary>True when more bytes were offered than the cap allows; the kept bytes are then a prefix.</summary>
    public bool Overflowed => TotalBytes > Capacity;

    public int Length => _length;

    public ReadOnlyMemory<byte> Memory => _buffer is null ? ReadOnlyMemory<byte>.Empty : _buffer.AsMemory(0, _length);

    public ReadOnlySpan<byte> Span => _buffer is null ? ReadOnlySpan<byte>.Empty : _buffer.AsSpan(0, _length);

    /// <summary>
    /// Reads <paramref name="source"/> to its end into a new buffer of <paramref name="capacity"/> bytes, or, with
    /// <paramref name="stopWhenFull"/>, only until the cap is passed (the buffer is then <see cref="Overflowed"/> and
    /// the rest is left unread). The buffer is disposed when reading fails.
    /// </summary>
    public static async Task<CappedBuffer> ReadAsync(Stream source, long capacity, bool stopWhenFull, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        const int ChunkSize = 16 * 1024;
        var buffer = new CappedBuffer(capacity);
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            int read;
            while ((read = await source.ReadAsync(chunk.AsMemory(0, ChunkSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                buffer.Write(chunk.AsSpan(0, read));
                if (stopWhenFull && buffer.Overflowed)
                {
                    break;
                }
            }

            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    public void Write(ReadOnlySpan<byte> data)
    {
        TotalBytes += data.Length;
        var room = Capacity - _length;
        if (room <= 0 || data.IsEmpty)
        {
            return;
        }

        var take = Math.Min(room, data.Length);
        EnsureCapacity(_length + take);
        data[..take].CopyTo(_buffer.AsSpan(_length));
        _length += take;
    }

    private void EnsureCapacity(int needed)
    {
        if (_buffer is not null && _buffer.Length >= needed)
        {
            return;
        }

        var size = Math.Max(InitialSize, _buffer?.Length * 2 ?? 0);
        while (size < needed)
        {
            size *= 2;
        }

        size = Math.Min(size, Math.Max(needed, Capacity));
        // Captures live for their whole shadow call and are returned on comparison threads: see CaptureBufferPool.
        var next = CaptureBufferPool.Shared.Rent(size);
        if (_buffer is not null)
        {
            _buffer.AsSpan(0, _length).CopyTo(next);
            CaptureBufferPool.Shared.Return(_buffer);
        }

        _buffer = next;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = null;
        _length = 0;
        if (buffer is not null)
        {
            CaptureBufferPool.Shared.Return(buffer);
        }
    }
}
