namespace ShadowProxy.Shadow;

/// <summary>
/// Counts the connections the shadow client opens to one backend in the current second. A backend
/// that keeps its connections alive needs at most <c>MaxInFlight</c> of them, opened once and reused;
/// more opens in one second mean it closes them (<c>Connection: close</c>, resets, refusals), and then
/// every shadow pays a TCP handshake on the cores the client's requests need — a cost that
/// <c>MaxInFlight</c> does not bound, because each such shadow ends at once. Past the limit (more
/// attempts than <c>MaxInFlight</c> in one second), shadows are dropped and counted until the second is over.
/// </summary>
internal sealed class ConnectionOpenLimiter(TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

    private long _windowStart = time.GetTimestamp();
    private int _opened;

    /// <summary>Connections opened (or attempted) in the current window.</summary>
    public int Opened => Volatile.Read(ref _opened);

    /// <summary>True while more than <paramref name="limit"/> connections were opened in the current second (the warm-up of a full pool is not).</summary>
    public bool IsExhausted(int limit) => Volatile.Read(ref _opened) > limit && !IsOver(Volatile.Read(ref _windowStart));

    /// <summary>Counts a connection attempt; the first one after a window ends starts the next.</summary>
    public void OnOpening()
    {
        var start = Volatile.Read(ref _windowStart);
        if (IsOver(start) && Interlocked.CompareExchange(ref _windowStart, time.GetTimestamp(), start) == start)
        {
            Volatile.Write(ref _opened, 0);
        }

        Interlocked.Increment(ref _opened);
    }

    private bool IsOver(long windowStart) => time.GetElapsedTime(windowStart) >= Window;
}
