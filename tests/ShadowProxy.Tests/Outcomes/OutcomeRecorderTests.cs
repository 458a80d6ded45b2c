using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using ShadowProxy.Configuration;
using ShadowProxy.Core.Buffers;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Endpoints;
using ShadowProxy.Metrics;
using ShadowProxy.Migrations;
using ShadowProxy.Outcomes;
using ShadowProxy.Tests.Infrastructure;
using Yarp.ReverseProxy.Forwarder;

namespace ShadowProxy.Tests.Outcomes;

/// <summary>
/// The one place outcomes are counted: each outcome reaches the metrics, the gate window, the endpoint report and
/// every sink exactly once, with no proxy around it.
/// </summary>
public sealed class OutcomeRecorderTests
{
    private const string Endpoint = "GET /api/orders/{id}";

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-05T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly ProxyMetrics _metrics = new();
    private readonly EndpointReport _report = new();
    private readonly CountingSink _sink = new();
    private readonly CountingSink _secondSink = new();
    private readonly MigrationRuntime _migration;
    private readonly OutcomeRecorder _recorder;

    public OutcomeRecorderTests()
    {
        var config = TestProxy.MigrationConfig("orders", new Uri("http://127.0.0.1:9001"), new Uri("http://127.0.0.1:9002"), "/api/orders/{id}");
        var options = ConfigReader.Read(new ConfigurationBuilder().AddInMemoryCollection(config).Build(), out var errors)
            ?? throw new InvalidOperationException(string.Join("; ", errors));
        _migration = new MigrationRegistry(options, _metrics, _time).All.Single();
        _recorder = new OutcomeRecorder(_report, new EndpointInventory(), _time, [_sink, _secondSink]);
    }

    [Fact]
    public void A_compared_pair_with_a_difference_counts_once_in_metrics_gate_window_report_and_each_sink()
    {
        using var exchange = Exchange("""{"status":"shipped"}""", """{"status":"SHIPPED"}""");
        var result = _migration.Comparer.Compare(exchange.Legacy, exchange.Candidate, Endpoint);
        Assert.Equal(ComparisonOutcome.Diff, result.Outcome);

        _recorder.Compared(_migration, exchange, Endpoint, result);

        Assert.Equal(1, _metrics.Comparisons.WithLabels("orders", "diff").Value);
        Assert.Equal(0, _metrics.Comparisons.WithLabels("orders", "match").Value);
        var window = _migration.GateSnapshot(_time.GetUtcNow());
        Assert.Equal(1, window.Diffs);
        Assert.Equal(1, window.Comparisons);
        var row = Assert.Single(_report.Rows("orders"));
        Assert.Equal((Endpoint, 1L, 1L, 1L, 1L), (row.Endpoint, row.Comparisons, row.Diffs, row.Legacy.Requests, row.Candidate.Requests));
        Assert.Equal(1, row.Risky);
        Assert.Equal([Endpoint], _sink.Compared);
        Assert.Equal([Endpoint], _secondSink.Compared);
        Assert.Empty(_sink.Failed);
    }

    [Fact]
    public void A_matching_pair_counts_as_a_match_everywhere()
    {
        using var exchange = Exchange("""{"id":7}""", """{"id":7}""");
        var result = _migration.Comparer.Compare(exchange.Legacy, exchange.Candidate, Endpoint);

        _recorder.Compared(_migration, exchange, Endpoint, result);

        Assert.Equal(1, _metrics.Comparisons.WithLabels("orders", "match").Value);
        Assert.Equal(1, _migration.GateSnapshot(_time.GetUtcNow()).Matches);
        Assert.Equal(0, Assert.Single(_report.Rows("orders")).Diffs);
        Assert.Single(_sink.Compared);
    }

    [Fact]
    public void A_shadow_timeout_counts_against_its_backend_in_metrics_gates_report_and_sinks()
    {
        using var failure = CapturedResponse.Failed(BackendFailure.Timeout, TimeSpan.FromSeconds(5));

        _recorder.ShadowFailed(_migration, Endpoint, Backend.Candidate, failure);

        Assert.Equal(1, _metrics.ShadowRequests.WithLabels("orders", "timeout").Value);
        Assert.Equal(0, _metrics.ShadowRequests.WithLabels("orders", "error").Value);
        var candidate = _migration.GateSnapshot(_time.GetUtcNow()).Candidate;
        Assert.Equal((1L, 1L), (candidate.Requests, candidate.Errors));
        var row = Assert.Single(_report.Rows("orders"));
        Assert.Equal((1L, 1L, 0L, 0L), (row.Candidate.Requests, row.Candidate.Errors, row.Legacy.Requests, row.Comparisons));
        Assert.Equal([(Endpoint, Backend.Candidate)], _sink.Failed);
        Assert.Equal([(Endpoint, Backend.Candidate)], _secondSink.Failed);
        Assert.Empty(_sink.Compared);
    }

    [Fact]
    public void A_shadow_cut_short_by_shutdown_is_an_error_but_says_nothing_about_the_backend_in_the_gates()
    {
        using var failure = CapturedResponse.Failed(BackendFailure.Canceled, TimeSpan.FromMilliseconds(3));

        _recorder.ShadowFailed(_migration, Endpoint, Backend.Legacy, failure);

        Assert.Equal(1, _metrics.ShadowRequests.WithLabels("orders", "error").Value);
        Assert.Equal(0, _migration.GateSnapshot(_time.GetUtcNow()).Legacy.Requests);
        Assert.Equal(1, Assert.Single(_report.Rows("orders")).Legacy.Requests);
        Assert.Single(_sink.Failed);
    }

    [Fact]
    public void A_response_the_client_walked_away_from_is_served_but_not_counted_for_the_gates()
    {
        var context = new DefaultHttpContext();
        context.Response.StatusCode = 502;
        context.Features.Set<IForwarderErrorFeature>(new ErrorFeature(ForwarderError.RequestCanceled));

        _recorder.Served(_migration, "GET /api/orders/{id}", Backend.Legacy, context, TimeSpan.FromMilliseconds(2));

        Assert.Equal(1, _metrics.Requests.WithLabels("orders", "legacy", "5xx").Value);
        Assert.Equal(0, _migration.GateSnapshot(_time.GetUtcNow()).Legacy.Requests);
    }

    [Fact]
    public void A_transport_error_is_served_as_error_and_counts_against_the_backend()
    {
        var context = new DefaultHttpContext();
        context.Response.StatusCode = 502;
        context.Features.Set<IForwarderErrorFeature>(new ErrorFeature(ForwarderError.Request));

        _recorder.Served(_migration, "GET /api/orders/{id}", Backend.Candidate, context, TimeSpan.FromMilliseconds(2));

        Assert.Equal(1, _metrics.Requests.WithLabels("orders", "candidate", "error").Value);
        var candidate = _migration.GateSnapshot(_time.GetUtcNow()).Candidate;
        Assert.Equal((1L, 1L), (candidate.Requests, candidate.Errors));
    }

    [Fact]
    public void An_open_breaker_counts_one_failover_and_one_candidate_error_and_no_candidate_request()
    {
        _recorder.CandidateBreakerOpen(_migration);

        Assert.Equal(1, _metrics.Failovers.WithLabels("orders").Value);
        Assert.Equal(0, _migration.Metrics.CandidateServed);
        var candidate = _migration.GateSnapshot(_time.GetUtcNow()).Candidate;
        Assert.Equal((1L, 1L), (candidate.Requests, candidate.Errors));
    }

    [Fact]
    public void A_dropped_comparison_is_counted_and_nothing_else()
    {
        _recorder.ComparisonDropped(_migration);

        Assert.Equal(1, _metrics.ComparisonsDropped.WithLabels("orders").Value);
        Assert.Equal(0, _migration.GateSnapshot(_time.GetUtcNow()).Comparisons);
        Assert.Empty(_report.Rows("orders"));
        Assert.Empty(_sink.Compared);
    }

    private ShadowExchange Exchange(string legacyJson, string candidateJson) => new()
    {
        Migration = "orders",
        RouteTemplate = "/api/orders/{id}",
        Method = "GET",
        Path = "/api/orders/7",
        RequestHeaders = [],
        Primary = Backend.Legacy,
        Legacy = Json(legacyJson),
        Candidate = Json(candidateJson),
        Timestamp = _time.GetUtcNow(),
    };

    private static CapturedResponse Json(string json)
    {
        var body = new CappedBuffer(1024);
        body.Write(Encoding.UTF8.GetBytes(json));
        return new CapturedResponse(200, [new("Content-Type", "application/json")], body, TimeSpan.FromMilliseconds(1));
    }

    private sealed class ErrorFeature(ForwarderError error) : IForwarderErrorFeature
    {
        public ForwarderError Error => error;

        public Exception? Exception => null;
    }

    private sealed class CountingSink : IOutcomeSink
    {
        public List<string> Compared { get; } = [];

        public List<(string Endpoint, Backend Backend)> Failed { get; } = [];

        public void OnCompared(MigrationRuntime migration, ShadowExchange exchange, string endpoint, ComparisonResult result) => Compared.Add(endpoint);

        public void OnShadowFailed(MigrationRuntime migration, string endpoint, Backend backend, CapturedResponse failure) => Failed.Add((endpoint, backend));
    }
}
