using ShadowProxy.Core.Configuration;
using ShadowProxy.Metrics;

namespace ShadowProxy.Migrations;

/// <summary>
/// The live state of one migration: its current <see cref="MigrationSnapshot"/> (one volatile read on
/// the request path) and the counters the data path shares, such as shadow requests in flight.
/// </summary>
internal sealed class MigrationRuntime
{
    private MigrationSnapshot _snapshot;
    private int _shadowInFlight;

    public MigrationRuntime(MigrationOptions options, MigrationSnapshot initial, MigrationMetrics metrics)
    {
        Name = options.Name;
        Metrics = metrics;
        metrics.Weight.Set((double)initial.Weight);
        _snapshot = initial;
        LegacyClusterId = ClusterIdFor(options.Name, "legacy");
        CandidateClusterId = ClusterIdFor(options.Name, "candidate");
    }

    public string Name { get; }

    public MigrationMetrics Metrics { get; }

    public string LegacyClusterId { get; }

    public string CandidateClusterId { get; }

    public MigrationSnapshot Current => Volatile.Read(ref _snapshot);

    public int ShadowInFlight => Volatile.Read(ref _shadowInFlight);

    /// <summary>Makes <paramref name="snapshot"/> the one the next request sees.</summary>
    public void Publish(MigrationSnapshot snapshot)
    {
        Volatile.Write(ref _snapshot, snapshot);
        Metrics.Weight.Set((double)snapshot.Weight);
    }

    /// <summary>Takes a shadow slot unless <paramref name="maxInFlight"/> are taken; never waits.</summary>
    public bool TryEnterShadow(int maxInFlight)
    {
        var now = Interlocked.Increment(ref _shadowInFlight);
        if (now <= maxInFlight)
        {
            Metrics.ShadowInFlight.Set(now);
            return true;
        }

        Interlocked.Decrement(ref _shadowInFlight);
        return false;
    }

    public void ExitShadow() => Metrics.ShadowInFlight.Set(Interlocked.Decrement(ref _shadowInFlight));

    public static string ClusterIdFor(string migration, string backend) => $"shadowproxy.{migration}.{backend}";
}
