using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Noise;
using ShadowProxy.Core.Redaction;
using ShadowProxy.Core.Storage;
using ShadowProxy.Migrations;
using ShadowProxy.Outcomes;
using ShadowProxy.Storage;

namespace ShadowProxy.Comparison;

/// <summary>
/// Turns each comparison into what the store keeps: counters always, and a redacted sample (decoded
/// bodies, both responses, the request) only when one of its paths still lacks examples. Runs on a
/// comparison worker; the write itself is batched by <see cref="DiffRecorder"/>.
/// </summary>
internal sealed class DiffStoreSink(DiffRecorder recorder) : IOutcomeSink
{
    public void OnCompared(MigrationRuntime migration, ShadowExchange exchange, string endpoint, ComparisonResult result)
    {
        var redactor = migration.Comparer.Redactor;
        var sample = result.Outcome == ComparisonOutcome.Diff && WantsSample(exchange.Migration, endpoint, result.Differences)
            ? Sample(exchange, redactor, migration.Current.Options.Diff.MaxDecodedBytes)
            : null;

        // Values are only read back from a stored sample: the counters need path, kind and noise flag,
        // so a comparison that keeps no sample carries no values (and needs no redaction).
        var differences = new StoredDifference[result.Differences.Count];
        for (var i = 0; i < differences.Length; i++)
        {
            var difference = result.Differences[i];
            if (sample is not null)
            {
                difference = redactor.Redact(difference);
            }

            differences[i] = new StoredDifference(
                difference.Path,
                KindNames[(int)difference.Kind],
                sample is null ? null : difference.Legacy,
                sample is null ? null : difference.Candidate,
                difference.IsNoise)
            {
                NoiseSource = NoiseSources.Name(difference.NoiseSource),
                CandidatePath = difference.CandidatePath,
            };
        }

        recorder.TryRecord(new ComparisonRecord
        {
            Migration = exchange.Migration,
            Endpoint = endpoint,
            Timestamp = exchange.Timestamp,
            Version = migration.CandidateVersionOf(exchange.Candidate),
            Outcome = result.Outcome switch
            {
                ComparisonOutcome.Match => ComparisonTally.Match,
                ComparisonOutcome.Diff => ComparisonTally.Diff,
                _ => ComparisonTally.Noise,
            },
            Differences = differences,
            DifferencesTruncated = result.DifferencesTruncated,
            Sample = sample,
        });
    }

    private static readonly string[] KindNames = Enum.GetNames<DifferenceKind>();

    /// <summary>True when a path of a non-noise difference still lacks samples.</summary>
    private bool WantsSample(string migration, string endpoint, IReadOnlyList<Difference> differences)
    {
        foreach (var difference in differences)
        {
            if (!difference.IsNoise && recorder.WantsSample(migration, endpoint, difference.Path))
            {
                return true;
            }
        }

        return false;
    }

    private static StoredSample Sample(ShadowExchange exchange, Redactor redactor, long maxDecodedBytes) => new()
    {
        Request = SampleCapture.Request(exchange, redactor),
        Legacy = SampleCapture.Response(exchange.Legacy, redactor, maxDecodedBytes),
        Candidate = SampleCapture.Response(exchange.Candidate, redactor, maxDecodedBytes),
    };
}
