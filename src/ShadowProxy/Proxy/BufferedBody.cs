using System.Buffers;
using ShadowProxy.Core.Buffers;

namespace ShadowProxy.Proxy;

/// <summary>A request body read whole into a pooled buffer, so that it can be sent twice (failover).</summary>
internal static class BufferedBody
{
    private const int ChunkSize = 16 * 1024;

    public static async Task<CappedBuffer> ReadAsync(Stream body, long maxBytes, CancellationToken cancellationToken)
    {
        var buffer = new CappedBuffer(maxBytes);
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk.AsMemory(0, ChunkSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                buffer.Write(chunk.AsSpan(0, read));
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

    public static Stream Open(CappedBuffer buffer) => new ReadOnlyMemoryStream(buffer.Memory);

    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> content) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => content.Length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var take = Math.Min(buffer.Length, content.Length - _position);
            content.Span.Slice(_position, take).CopyTo(buffer);
            _position += take;
            return take;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
