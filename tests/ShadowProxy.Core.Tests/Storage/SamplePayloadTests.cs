using ShadowProxy.Core.Storage;
using static ShadowProxy.Core.Tests.Storage.StorageRecords;

namespace ShadowProxy.Core.Tests.Storage;

public sealed class SamplePayloadTests
{
    [Fact]
    public void A_payload_reads_back_as_written_with_its_differences()
    {
        var record = Record("GET /api/orders/{id}", Start, sample: true, Value("$.price"), Value("$.id", noise: true));

        var payload = SamplePayload.Deserialize(SamplePayload.Serialize(record), id: 1);

        Assert.Equal(record.Differences, payload.Differences);
        Assert.False(payload.DifferencesTruncated);
        Assert.Equal(record.Sample!.Candidate.Body, payload.Sample.Candidate.Body);
        Assert.Equal(record.Sample.Request.Query, payload.Sample.Request.Query);
    }

    [Fact]
    public void Bodies_and_difference_lists_are_capped_and_say_so()
    {
        var differences = Enumerable.Range(0, StorageLimits.MaxDifferencesPerSample + 1).Select(i => Value($"$.items[{i}]")).ToArray();
        var large = "{\"text\":\"" + new string('x', StoredBody.MaxBytes) + "\"}";
        var record = Record("GET /api/orders/{id}", Start, sample: true, differences) with { Sample = Sample(large) };

        var payload = SamplePayload.Deserialize(SamplePayload.Serialize(record), id: 1);

        Assert.Equal(StorageLimits.MaxDifferencesPerSample, payload.Differences.Count);
        Assert.True(payload.DifferencesTruncated);
        Assert.True(payload.Sample.Candidate.Body!.Truncated);
        Assert.False(payload.Sample.Legacy.Body!.Truncated);
    }

    [Fact]
    public void A_payload_stored_by_earlier_versions_still_reads()
    {
        const string Stored = """
            {"sample":{"request":{"method":"GET","path":"/a","query":"","headers":[],"body":null},
            "legacy":{"status":200,"headers":[],"body":null,"durationMs":1,"failure":null},
            "candidate":{"status":500,"headers":[],"body":null,"durationMs":2,"failure":null}},
            "differences":[{"path":"status","kind":"ValueChanged","legacy":"200","candidate":"500","isNoise":false}],"differencesTruncated":true}
            """;

        var payload = SamplePayload.Deserialize(Stored, id: 7);

        Assert.Equal(500, payload.Sample.Candidate.Status);
        Assert.Equal("status", Assert.Single(payload.Differences).Path);
        Assert.True(payload.DifferencesTruncated);
        Assert.Contains("Sample 7", Assert.Throws<InvalidDataException>(() => SamplePayload.Deserialize("null", id: 7)).Message, StringComparison.Ordinal);
    }
}
