using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using ShadowProxy.Comparison;
using ShadowProxy.Configuration;
using ShadowProxy.Core.Buffers;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Endpoints;
using ShadowProxy.Core.Storage;
using ShadowProxy.Metrics;
using ShadowProxy.Migrations;
using ShadowProxy.Outcomes;
using ShadowProxy.Storage;

namespace ShadowProxy.Benchmarks.Comparison;

/// <summary>
/// What a comparison thread runs for one pair of the proxy harness's fixture (<c>benchmarks/nginx/data</c>,
/// nginx's headers, <c>configs/shadowproxy-shadow.json</c>): <see cref="ComparisonWorker"/> with the host's
/// <see cref="OutcomeRecorder"/> (metrics, gate window, endpoint report) and its store sink, the migration built by the real configuration reader and registry, and the
/// real <see cref="DiffRecorder"/>, whose writer thread drains into a store that keeps nothing (the store
/// write is not part of the comparison). The other benchmarks are the pipeline's parts, to see where a pair's
/// cost goes.
/// </summary>
[MemoryDiagnoser]
public class ComparisonPipelineBenchmarks
{
    private const string RouteTemplate = "/api/orders/{**rest}";
    private const string RequestPath = "/api/orders/42";

    private DiffRecorder _recorder = null!;
    private ComparisonWorker _worker = null!;
    private MigrationRuntime _migration = null!;
    private DiffStoreSink _storeSink = null!;
    private ShadowExchange _exchange = null!;
    private string _endpoint = null!;
    private ComparisonResult _result = null!;

    [GlobalSetup]
    public void Setup()
    {
        var options = ReadOptions();
        // A queue far larger than the default: pairs come here several times faster than through the proxy, and a
        // dropped record would skip the queueing this benchmark measures.
        _recorder = new DiffRecorder(new DiscardingStore(), options, NullLogger<DiffRecorder>.Instance, TimeProvider.System, capacity: 1 << 20);
        _recorder.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        var registry = new MigrationRegistry(options, new ProxyMetrics(_recorder), TimeProvider.System);
        _storeSink = new DiffStoreSink(_recorder);
        _worker = new ComparisonWorker(new ComparisonQueue(), new OutcomeRecorder(new EndpointReport(), new EndpointInventory(), TimeProvider.System, [_storeSink]), NullLogger<ComparisonWorker>.Instance);
        _migration = registry.All.Single();
        _exchange = Exchange(_migration.Name);

        _endpoint = _migration.EndpointOf(_exchange.Method, _exchange.RouteTemplate, _exchange.Path);
        _result = _migration.Comparer.Engine.Compare(_exchange.Legacy, _exchange.Candidate, _migration.Comparer.NoiseFor(_endpoint));
        Console.WriteLine($"// {_endpoint}: {_exchange.Legacy.Body.Length} + {_exchange.Candidate.Body.Length} bytes, {_result.Outcome}: "
            + string.Join(", ", _result.Differences.Select(d => d.IsNoise ? d.Path + " (noise)" : d.Path)));

        // The first pairs of each path keep a sample; the steady state (measured here) keeps none.
        for (var i = 0; i < options.Store.SamplesPerPath + 1; i++)
        {
            _worker.Process(_migration, _exchange);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _recorder.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        Console.WriteLine($"// recorder: {_recorder.Recorded} recorded, {_recorder.Dropped} dropped");
        _exchange.Dispose();
    }

    /// <summary>One pair through the whole pipeline: endpoint, comparison, counters, gate window, sinks, recorder queue.</summary>
    [Benchmark(Baseline = true)]
    public void Pair() => _worker.Process(_migration, _exchange);

    [Benchmark]
    public string Endpoint() => _migration.EndpointOf(_exchange.Method, _exchange.RouteTemplate, _exchange.Path);

    /// <summary>The diff engine with the migration's rules and noise marks (status, headers, JSON body).</summary>
    [Benchmark]
    public ComparisonResult Compare()
    {
        var comparer = _migration.Comparer;
        return comparer.Engine.Compare(_exchange.Legacy, _exchange.Candidate, comparer.NoiseFor(_endpoint));
    }

    /// <summary>The store sink for a compared pair: the record and its queueing.</summary>
    [Benchmark]
    public void StoreSink() => _storeSink.OnCompared(_migration, _exchange, _endpoint, _result);

    private static ShadowProxyOptions ReadOptions()
    {
        using var stream = Resource("shadowproxy-shadow.json");
        var configuration = new ConfigurationBuilder().AddJsonStream(stream).Build();
        return ConfigReader.Read(configuration, out var errors)
            ?? throw new InvalidOperationException("invalid benchmark configuration: " + string.Join("; ", errors));
    }

    private static ShadowExchange Exchange(string migration) => new()
    {
        Migration = migration,
        RouteTemplate = RouteTemplate,
        Method = "GET",
        Path = RequestPath,
        RequestHeaders = [new("Host", "127.0.0.1:19402"), new("User-Agent", "wrk")],
        Primary = Backend.Legacy,

        // As captured: the primary from the proxy's response (no hop-by-hop headers), the shadow from HttpClient
        // (response headers, then content headers), both with nginx's headers for a static file.
        Legacy = Response("legacy.json",
        [
            new("Server", "nginx/1.22.1"), new("Date", "Fri, 27 Nov 2026 09:03:53 GMT"), new("Content-Type", "application/json"),
            new("Content-Length", "1091"), new("Last-Modified", "Fri, 27 Nov 2026 09:03:52 GMT"), new("ETag", "\"6b094778-443\""),
            new("Accept-Ranges", "bytes"),
        ]),
        Candidate = Response("candidate.json",
        [
            new("Server", "nginx/1.22.1"), new("Date", "Fri, 27 Nov 2026 09:03:53 GMT"), new("Connection", "keep-alive"),
            new("ETag", "\"6b094779-458\""), new("Accept-Ranges", "bytes"), new("Content-Type", "application/json"),
            new("Content-Length", "1112"), new("Last-Modified", "Fri, 27 Nov 2026 09:03:53 GMT"),
        ]),
        Timestamp = DateTimeOffset.UtcNow,
    };

    private static CapturedResponse Response(string file, KeyValuePair<string, string>[] headers)
    {
        using var stream = Resource(file);
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        var body = new CappedBuffer(64 * 1024);
        body.Write(bytes.ToArray());
        return new CapturedResponse(200, headers, body, TimeSpan.FromMilliseconds(1));
    }

    private static Stream Resource(string name) =>
        typeof(ComparisonPipelineBenchmarks).Assembly.GetManifestResourceStream("fixture/" + name)
        ?? throw new InvalidOperationException($"fixture/{name} is not embedded");

    /// <summary>Takes batches and keeps nothing: the store write is outside the comparison's cost.</summary>
    private sealed class DiscardingStore : IDiffStore
    {
        private static readonly Task<DiffWriteResult> Written = Task.FromResult(new DiffWriteResult(0, 0));

        public Task<DiffWriteResult> WriteAsync(IReadOnlyList<ComparisonRecord> batch, CancellationToken cancellationToken = default) => Written;

        public Task<IReadOnlyList<SampleCoverage>> ReadSampleCoverageAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<SampleCoverage>>([]);

        public Task<DiffSummaryPage> ReadSummaryAsync(string migration, SummaryQuery query, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<IReadOnlyList<SampleHeader>> ReadSamplesAsync(string migration, SampleQuery query, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<SampleDetail?> ReadSampleAsync(string migration, long id, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<ComparisonCounts> ReadCountsAsync(string migration, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }
}
