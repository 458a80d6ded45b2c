using System.Collections.Concurrent;

namespace ShadowProxy.Core.Replay;

/// <summary>
/// Decides which compared exchanges join the replay corpus. An endpoint takes every exchange until it has
/// recorded its <c>PerEndpoint</c> since start (a fresh proxy has a full corpus within its first requests), then at
/// most one per <see cref="Interval"/>: the corpus stays the newest traffic while its cost (redaction, a store
/// write) stays bounded per endpoint, not per request. Bounded: at most <see cref="MaxEndpoints"/> endpoints are
/// tracked; exchanges of further ones are not recorded. Lock-free and thread-safe.
/// </summary>
public sealed class CorpusSampler(TimeProvider time, TimeSpan interval, int maxEndpoints = CorpusSampler.DefaultMaxEndpoints)
{
    public const int DefaultMaxEndpoints = 10_000;

    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<(string Migration, string Endpoint), Slot> _slots = new();
    private int _count;

    public TimeSpan Interval { get; } = interval;

    public int MaxEndpoints { get; } = maxEndpoints;

    /// <summary>True when this exchange of <paramref name="endpoint"/> should be recorded; claims its turn when it is.</summary>
    public bool TryTake(string migration, string endpoint, int perEndpoint)
    {
        if (perEndpoint <= 0)
        {
            return false;
        }

        if (!_slots.TryGetValue((migration, endpoint), out var slot))
        {
            if (Volatile.Read(ref _count) >= MaxEndpoints)
            {
                return false;
            }

            var fresh = new Slot();
            if (_slots.TryAdd((migration, endpoint), fresh))
            {
                Interlocked.Increment(ref _count);
            }

            slot = _slots.GetValueOrDefault((migration, endpoint), fresh);
        }

        var now = time.GetTimestamp();
        // Counts up to the first N only (never overflows); concurrent callers may pass it by a few.
        if (Volatile.Read(ref slot.Taken) < perEndpoint && Interlocked.Increment(ref slot.Taken) <= perEndpoint)
        {
            Volatile.Write(ref slot.Last, now);
            return true;
        }

        // Past the first N: one per interval, claimed by whoever swaps the timestamp first.
        var last = Volatile.Read(ref slot.Last);
        return time.GetElapsedTime(last, now) >= Interval && Interlocked.CompareExchange(ref slot.Last, now, last) == last;
    }

    private sealed class Slot
    {
        public int Taken;
        public long Last;
    }
}
