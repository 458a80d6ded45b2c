namespace ShadowProxy.Core.Storage;

/// <summary>
/// A record whose sample a store keeps when one of <paramref name="Paths"/> (its real differences, each
/// once) still lacks samples; it is then linked to those paths.
/// </summary>
public sealed record SampleCandidate(ComparisonRecord Record, IReadOnlyList<(string Path, string Kind)> Paths)
{
    /// <summary>The sample's payload as every store keeps it (<see cref="SamplePayload"/>).</summary>
    public string Payload() => SamplePayload.Serialize(Record);
}
