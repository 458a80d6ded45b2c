using System.Text.Json;
using System.Text.Json.Serialization;

namespace ShadowProxy.Core.Storage;

/// <summary>
/// A stored sample as every store keeps it, one JSON document: bodies capped (<see cref="StoredBody.Capped"/>),
/// at most <see cref="StorageLimits.MaxDifferencesPerSample"/> differences listed. The format is stored:
/// change it only in ways existing rows still read.
/// </summary>
public sealed record SamplePayload(StoredSample Sample, IReadOnlyList<StoredDifference> Differences, bool DifferencesTruncated)
{
    /// <summary>The payload of <paramref name="record"/>'s sample, capped.</summary>
    public static string Serialize(ComparisonRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var sample = record.Sample ?? throw new ArgumentException("The record carries no sample.", nameof(record));
        var capped = sample with
        {
            Request = sample.Request with { Body = sample.Request.Body?.Capped() },
            Legacy = sample.Legacy with { Body = sample.Legacy.Body?.Capped() },
            Candidate = sample.Candidate with { Body = sample.Candidate.Body?.Capped() },
        };
        var differences = record.Differences.Count > StorageLimits.MaxDifferencesPerSample
            ? record.Differences.Take(StorageLimits.MaxDifferencesPerSample).ToList()
            : record.Differences;
        var truncated = record.DifferencesTruncated || differences.Count < record.Differences.Count;
        return JsonSerializer.Serialize(new SamplePayload(capped, differences, truncated), SamplePayloadJson.Default.SamplePayload);
    }

    /// <summary>A payload as stored; <paramref name="id"/> names the sample in the error of an empty one.</summary>
    public static SamplePayload Deserialize(string json, long id) =>
        JsonSerializer.Deserialize(json, SamplePayloadJson.Default.SamplePayload) ?? throw new InvalidDataException($"Sample {id} has an empty payload.");
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(SamplePayload))]
internal sealed partial class SamplePayloadJson : JsonSerializerContext;
