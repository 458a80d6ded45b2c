using System.Diagnostics.CodeAnalysis;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Endpoints;
using ShadowProxy.Core.Gates;
using ShadowProxy.Metrics;
using ShadowProxy.Migrations;
using Yarp.ReverseProxy.Forwarder;

namespace ShadowProxy.Outcomes;

/// <summary>
/// The one place where what happened to a request is counted: each outcome feeds the migration's metrics, its
/// gate window (and the adaptive shadow budget), the side-by-side <see cref="EndpointReport"/> and the
/// <see cref="IOutcomeSink"/>s, once. The data path only says what happened; it never counts for itself.
/// </summary>
[SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "One service that every step depends on: which tallies a member feeds today is its own business.")]
internal sealed class OutcomeRecorder(EndpointReport report, EndpointInventory inventory, TimeProvider time, IEnumerable<IOutcomeSink> sinks)
{
    private readonly IOutcomeSink[] _sinks = [.. sinks];

    /// <summary>
    /// <paramref name="backend"/> answered the client (or failed to): status class, latency, and, unless the
    /// client went away (which says nothing about the backend), the gates, the primary's latency baseline and the
    /// endpoint inventory.
    /// </summary>
    public void Served(MigrationRuntime migration, string endpoint, Backend backend, HttpContext context, TimeSpan elapsed)
    {
        var error = context.Features.Get<IForwarderErrorFeature>();
        var clientFault = error is not null && IsClientError(error.Error);
        var status = error is not null && !clientFault ? StatusClass.Error : MigrationMetrics.Classify(context.Response.StatusCode);
        migration.Metrics.Served(backend, status, elapsed);
        if (!clientFault)
        {
            migration.ShadowBudget.RecordPrimary(elapsed);
            migration.RecordCall(backend, status is StatusClass.Error or StatusClass.Server5xx, elapsed);
            var request = context.Request;
            var response = context.Response;
            inventory.Record(migration.Name, endpoint, new EndpointObservation(
                backend == Backend.Legacy, error is null ? response.StatusCode : 0, elapsed, response.ContentLength, request.ContentLength,
                response.ContentType, request.QueryString.Value, time.GetUtcNow()));
        }
    }

    /// <summary>The candidate's breaker is open: a candidate-chosen request goes to legacy, and counts against the candidate.</summary>
    public void CandidateBreakerOpen(MigrationRuntime migration)
    {
        FailedOver(migration);
        CandidateAttemptFailed(migration, status: null, TimeSpan.Zero);
    }

    /// <summary>
    /// The candidate failed as primary after <paramref name="failedAfter"/> with <paramref name="status"/>
    /// (<see cref="StatusClass.Server5xx"/> or <see cref="StatusClass.Error"/>), or was never called
    /// (<paramref name="status"/> null: the breaker refused the attempt). Legacy may still answer.
    /// </summary>
    public void CandidateAttemptFailed(MigrationRuntime migration, StatusClass? status, TimeSpan failedAfter)
    {
        if (status is { } attempted)
        {
            migration.Metrics.Served(Backend.Candidate, attempted, failedAfter);
        }

        migration.RecordCall(Backend.Candidate, isError: true, failedAfter);
    }

    /// <summary>Legacy answers a request the candidate was chosen for.</summary>
    public void FailedOver(MigrationRuntime migration) => migration.Metrics.Failovers.Inc();

    /// <summary>A shadow not sent (skipped, dropped, not built) or a noise-probe copy sent: counted, nothing else.</summary>
    public void Shadow(MigrationRuntime migration, ShadowOutcome outcome) => migration.Metrics.Shadow(outcome);

    /// <summary>The shadow backend answered; the pair goes on to be compared.</summary>
    public void ShadowAnswered(MigrationRuntime migration, Backend backend, CapturedResponse response)
    {
        migration.Metrics.Shadow(ShadowOutcome.Completed);
        migration.RecordCall(backend, response.IsError, response.Duration);
    }

    /// <summary>
    /// The shadow call to <paramref name="backend"/> ended without a response (<see cref="CapturedResponse.Failed"/>):
    /// a timeout or an error, which counts against the backend unless the host was stopping (<see cref="BackendFailure.Canceled"/>).
    /// The caller keeps <paramref name="failure"/>.
    /// </summary>
    public void ShadowFailed(MigrationRuntime migration, string endpoint, Backend backend, CapturedResponse failure)
    {
        migration.Metrics.Shadow(failure.Failure == BackendFailure.Timeout ? ShadowOutcome.Timeout : ShadowOutcome.Error);
        if (failure.Failure != BackendFailure.Canceled)
        {
            migration.RecordCall(backend, isError: true, failure.Duration);
        }

        report.RecordFailure(migration.Name, endpoint, backend, failure);
        foreach (var sink in _sinks)
        {
            sink.OnShadowFailed(migration, endpoint, backend, failure);
        }
    }

    /// <summary>A pair the comparison workers could not take (their queue was full): dropped, not compared.</summary>
    public void ComparisonDropped(MigrationRuntime migration) => migration.Metrics.ComparisonsDropped.Inc();

    /// <summary>A compared pair: its verdict in the metrics, the gate window, the report and every sink.</summary>
    public void Compared(MigrationRuntime migration, ShadowExchange exchange, string endpoint, ComparisonResult result)
    {
        var comparer = migration.Comparer;
        DiffSeverity? severity = null;
        switch (result.Outcome)
        {
            case ComparisonOutcome.Match:
                migration.Metrics.Match.Inc();
                migration.RecordComparison(ComparisonTally.Match);
                break;
            case ComparisonOutcome.Diff:
                migration.Metrics.Diff.Inc();
                inventory.RecordDiff(migration.Name, endpoint, time.GetUtcNow());
                severity = comparer.Engine.Severity.MostSevere(result);
                RecordForGate(migration, comparer, endpoint, result, GateSeverity.Tally(result, comparer.Engine.Severity, migration.Current.Options.Ramp.Gates.DiffSeverity));
                break;
            default:
                migration.Metrics.Noise.Inc();
                RecordForGate(migration, comparer, endpoint, result, ComparisonTally.Noise);
                break;
        }

        report.RecordComparison(migration.Name, endpoint, exchange.Legacy, exchange.Candidate, result.Outcome, severity);
        foreach (var sink in _sinks)
        {
            sink.OnCompared(migration, exchange, endpoint, result);
        }
    }

    /// <summary>A forwarding error the client caused (it cancelled, or its side of a body failed): no fault of the backend.</summary>
    public static bool IsClientError(ForwarderError error) => error is ForwarderError.RequestCanceled
        or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient
        or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient
        or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeRequestClient
        or ForwarderError.UpgradeResponseCanceled or ForwarderError.UpgradeResponseClient;

    /// <summary>
    /// A comparison with differences counts in the gate window by its signature (its differing paths), so that
    /// the diff-rate gate judges it by the noise rules in force when it evaluates. A list cut at MaxDifferences
    /// keeps its verdict: what was cut cannot be judged again. Paths below <c>Ramp:Gates:DiffSeverity</c> are left
    /// out (docs/comparison.md#severity): they never count, whatever the noise rules say later.
    /// </summary>
    private static void RecordForGate(MigrationRuntime migration, MigrationComparer comparer, string endpoint, ComparisonResult result, ComparisonTally tally)
    {
        if (result.DifferencesTruncated)
        {
            migration.RecordComparison(tally);
            return;
        }

        var severity = comparer.Engine.Severity;
        var threshold = migration.Current.Options.Ramp.Gates.DiffSeverity;
        var paths = new string[result.Differences.Count];
        for (var i = 0; i < paths.Length; i++)
        {
            var difference = result.Differences[i];

            // Noise by nature (a body cut at the same place on both sides) is noise under any rules.
            var noiseByNature = difference.IsNoise && difference.NoiseSource == Core.Noise.NoiseSource.Config && !comparer.IsNoiseNow(endpoint, difference.Path);
            paths[i] = noiseByNature || severity.Classify(difference.Path, difference.Kind, difference.Legacy, difference.Candidate) < threshold
                ? string.Empty
                : difference.Path;
        }

        var real = paths.Where(p => p.Length > 0);
        migration.RecordComparison(tally, new DiffSignature(endpoint, real, tally == ComparisonTally.Diff));
    }
}
