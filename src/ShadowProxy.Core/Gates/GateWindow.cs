using ShadowProxy.Core.Comparison;

namespace ShadowProxy.Core.Gates;

/// <summary>
/// A sliding window of <see cref="Window"/> made of <see cref="SlotCount"/> time slots in a ring.
/// Samples older than <see cref="Window"/> are never counted; samples younger than
/// <see cref="Window"/> minus one slot always are (the window moves a slot at a time).
/// Recording takes no lock: a slot that has expired is replaced by a fresh one with a compare-and-swap,
/// so a count is never wiped by a concurrent reset. The caller passes the time, so tests run in virtual time.
/// </summary>
public sealed class GateWindow
{
    public const int DefaultSlotCount = 12;

    private readonly Slot?[] _slots;
    private readonly long _slotTicks;

    public GateWindow(TimeSpan window, int slotCount = DefaultSlotCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slotCount, 2);
        if (window.Ticks < slotCount)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, $"A window must be at least {slotCount} ticks long.");
        }

        Window = window;
        SlotCount = slotCount;
        _slotTicks = window.Ticks / slotCount;
        _slots = new Slot?[slotCount];
    }

    public TimeSpan Window { get; }

    public int SlotCount { get; }

    /// <summary>Counts one request to <paramref name="backend"/>, live or shadow.</summary>
    public void RecordRequest(Backend backend, bool isError, TimeSpan latency, DateTimeOffset now)
    {
        var slot = SlotFor(now);
        if (slot is null)
        {
            return;
        }

        var counters = backend == Backend.Candidate ? slot.Candidate : slot.Legacy;
        Interlocked.Increment(ref counters.Requests);
        if (isError)
        {
            Interlocked.Increment(ref counters.Errors);
        }

        counters.Latency.Record(latency);
    }

    public void RecordComparison(ComparisonTally tally, DateTimeOffset now)
    {
        var slot = SlotFor(now);
        if (slot is null)
        {
            return;
        }

        switch (tally)
        {
            case ComparisonTally.Match:
                Interlocked.Increment(ref slot.Matches);
                break;
            case ComparisonTally.Diff:
                Interlocked.Increment(ref slot.Diffs);
                break;
            case ComparisonTally.Noise:
                Interlocked.Increment(ref slot.Noise);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(tally), tally, null);
        }
    }

    /// <summary>
    /// Counts one comparison that had differences by its <paramref name="signature"/>, so that
    /// <see cref="Snapshot(DateTimeOffset, Func{string, string, bool})"/> can judge it by the noise rules in force
    /// then. <paramref name="tally"/> is its verdict now, kept when the slot's signatures are full.
    /// </summary>
    public void RecordComparison(ComparisonTally tally, DiffSignature signature, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var slot = SlotFor(now);
        if (slot is null)
        {
            return;
        }

        if (signature.Paths.Count == 0 || !slot.Signatures.TryAdd(signature))
        {
            RecordComparison(tally, now);
        }
    }

    /// <summary>What the window holds at <paramref name="now"/>; comparisons recorded with a signature count as they were judged.</summary>
    public WindowStats Snapshot(DateTimeOffset now) => Snapshot(now, null);

    /// <summary>
    /// What the window holds at <paramref name="now"/>, with the comparisons recorded by signature judged by
    /// <paramref name="isNoise"/> (endpoint, path → noise now): a diff when one of its paths is not noise.
    /// </summary>
    public WindowStats Snapshot(DateTimeOffset now, Func<string, string, bool>? isNoise)
    {
        var memo = new Dictionary<(string, string), bool>();
        var current = SlotNumber(now);
        var legacy = new BackendSnapshot();
        var candidate = new BackendSnapshot();
        long matches = 0, diffs = 0, noise = 0;
        for (var i = 0; i < _slots.Length; i++)
        {
            var s = Volatile.Read(ref _slots[i]);
            if (s is null || s.Number > current || s.Number <= current - SlotCount)
            {
                continue;
            }

            legacy.Add(s.Legacy);
            candidate.Add(s.Candidate);
            matches += Interlocked.Read(ref s.Matches);
            diffs += Interlocked.Read(ref s.Diffs);
            noise += Interlocked.Read(ref s.Noise);
            s.Signatures.Judge(isNoise, memo, ref diffs, ref noise);
        }

        return new WindowStats
        {
            Legacy = legacy.ToStats(),
            Candidate = candidate.ToStats(),
            Matches = matches,
            Diffs = diffs,
            Noise = noise,
        };
    }

    private long SlotNumber(DateTimeOffset now) => now.UtcTicks / _slotTicks;

    /// <summary>The slot for <paramref name="now"/>, installing a fresh one over an expired one; null for a sample already a window old.</summary>
    private Slot? SlotFor(DateTimeOffset now)
    {
        var number = SlotNumber(now);
        var index = (int)(number % SlotCount);
        while (true)
        {
            var slot = Volatile.Read(ref _slots[index]);
            if (slot is not null && slot.Number == number)
            {
                return slot;
            }

            if (slot is not null && slot.Number > number)
            {
                // A thread with a later time already reused this slot: this sample is a whole window old.
                return null;
            }

            var fresh = new Slot(number);
            if (Interlocked.CompareExchange(ref _slots[index], fresh, slot) == slot)
            {
                return fresh;
            }
        }
    }

    private sealed class Slot(long number)
    {
        public readonly long Number = number;
        public readonly BackendCounters Legacy = new();
        public readonly BackendCounters Candidate = new();
        public readonly DiffSignatures Signatures = new();
        public long Matches;
        public long Diffs;
        public long Noise;
    }

    private sealed class BackendCounters
    {
        public readonly LatencyHistogram Latency = new();
        public long Requests;
        public long Errors;
    }

    private sealed class BackendSnapshot
    {
        private readonly LatencyHistogram _latency = new();
        private long _requests;
        private long _errors;
        private bool _any;

        public void Add(BackendCounters counters)
        {
            var requests = Interlocked.Read(ref counters.Requests);
            if (requests == 0)
            {
                return;
            }

            _requests += requests;
            _errors += Interlocked.Read(ref counters.Errors);
            _latency.Merge(counters.Latency);
            _any = true;
        }

        public BackendStats ToStats() => _any
            ? new BackendStats { Requests = _requests, Errors = _errors, LatencyBuckets = _latency.ExportCounts() }
            : BackendStats.Empty;
    }
}
