using System.Collections.Concurrent;
using System.Numerics;

namespace ShadowProxy.Core.Buffers;

/// <summary>
/// Arrays for captured bodies, in power-of-two sizes from <see cref="MinLength"/> to <see cref="MaxLength"/>.
/// Lock-free on purpose: arrays are rented on request and socket threads and returned on low-priority
/// comparison threads, and a pool guarded by a lock (as <c>ArrayPool.Create</c>'s spin locks are) lets
/// a preempted low-priority thread stall the request threads waiting for that lock. Each size keeps at
/// most <see cref="RetainedBytesPerSize"/> bytes (and at least <see cref="MinRetainedPerSize"/> arrays)
/// for reuse; the rest is left to the GC.
/// </summary>
internal sealed class CaptureBufferPool
{
    public const int MinLength = 4096;
    public const int MaxLength = 1024 * 1024;
    public const int RetainedBytesPerSize = 16 * 1024 * 1024;
    public const int MinRetainedPerSize = 16;

    private static readonly int SizeCount = BitOperations.Log2(MaxLength / MinLength) + 1;

    private readonly ConcurrentQueue<byte[]>[] _free = new ConcurrentQueue<byte[]>[SizeCount];
    private readonly int[] _freeCounts = new int[SizeCount];

    public CaptureBufferPool()
    {
        for (var i = 0; i < SizeCount; i++)
        {
            _free[i] = new ConcurrentQueue<byte[]>();
        }
    }

    public static CaptureBufferPool Shared { get; } = new();

    /// <summary>Arrays kept for reuse, over all sizes.</summary>
    public int Retained => _freeCounts.Sum();

    /// <summary>An array of at least <paramref name="minimumLength"/> bytes (exactly that many above <see cref="MaxLength"/>, unpooled).</summary>
    public byte[] Rent(int minimumLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minimumLength);
        if (minimumLength > MaxLength)
        {
            return GC.AllocateUninitializedArray<byte>(minimumLength);
        }

        var index = SizeIndex(minimumLength);
        if (_free[index].TryDequeue(out var array))
        {
            Interlocked.Decrement(ref _freeCounts[index]);
            return array;
        }

        return GC.AllocateUninitializedArray<byte>(MinLength << index);
    }

    /// <summary>Gives <paramref name="array"/> back; arrays this pool did not size, or beyond what a size keeps, are dropped.</summary>
    public void Return(byte[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        var length = array.Length;
        if (length < MinLength || length > MaxLength || !BitOperations.IsPow2(length))
        {
            return;
        }

        var index = SizeIndex(length);
        if (Interlocked.Increment(ref _freeCounts[index]) > Math.Max(MinRetainedPerSize, RetainedBytesPerSize / length))
        {
            Interlocked.Decrement(ref _freeCounts[index]);
            return;
        }

        _free[index].Enqueue(array);
    }

    private static int SizeIndex(int length) =>
        length <= MinLength ? 0 : BitOperations.Log2((uint)length - 1) + 1 - BitOperations.Log2(MinLength);
}
