using System.Text;
using BenchmarkDotNet.Attributes;
using ShadowProxy.Core.Endpoints;
using ShadowProxy.Core.OpenApi;

namespace ShadowProxy.Benchmarks.OpenApi;

/// <summary>
/// What schema inference (docs/openapi.md) costs: the question the request path asks of every request
/// (<see cref="SchemaCollector.WantsSample"/>, once an endpoint has its samples and while it still wants them), and
/// one sample added off the path. <see cref="EverNewNames"/> offers 200,000 exchanges with ever-new endpoint names,
/// property names and values: what it allocates is the work, what it keeps stays within the collector's bounds.
/// </summary>
[MemoryDiagnoser]
public class SchemaCollectorBenchmarks
{
    private const string Endpoint = "GET /api/users/{id}";

    private static readonly byte[] User = Encoding.UTF8.GetBytes(
        """{"id":42,"name":"Ann","email":"ann@example.com","nickname":null,"status":"active","createdAt":"2026-12-05T10:00:00Z","tags":["a","b"],"address":{"city":"Oslo","zip":"0150"}}""");

    private readonly SchemaLimits _limits = new();
    private SchemaCollector _saturated = null!;

    [GlobalSetup]
    public void Setup()
    {
        _saturated = new SchemaCollector(_limits);
        for (var i = 0; i < _saturated.Limits.SamplesPerStatus; i++)
        {
            _saturated.Add("users", Endpoint, 200, Sample(User, "/api/users/42"));
        }
    }

    [Benchmark(Baseline = true)]
    public bool WantsSample_saturated() => _saturated.WantsSample("users", Endpoint, 200);

    [Benchmark]
    public bool WantsSample_still_sampling() => _saturated.WantsSample("users", Endpoint, 404);

    [Benchmark]
    public int Add_one_sample()
    {
        var collector = new SchemaCollector(_limits);
        collector.Add("users", Endpoint, 200, Sample(User, "/api/users/42?expand=orders"));
        return collector.Limits.MaxEndpoints;
    }

    [Benchmark(OperationsPerInvoke = 200_000)]
    public int EverNewNames()
    {
        var collector = new SchemaCollector(_limits);
        for (var n = 0; n < 200_000; n++)
        {
            var endpoint = n % 2 == 0 ? $"GET /api/things/{n}" : Endpoint;
            var status = 200 + (n % 12);
            if (collector.WantsSample("soak", endpoint, status))
            {
                var body = Encoding.UTF8.GetBytes($$"""{"nested":{"p{{n % 977}}":[{"q{{n}}":1}]},"id":{{n}},"k{{n}}":"v{{n}}"}""");
                collector.Add("soak", endpoint, status, Sample(body, $"/api/things/{n}?a{n}=1"));
            }
        }

        return collector.Shapes("soak").Count;
    }

    private static EndpointSample Sample(byte[] body, string target) =>
        new(body, "application/json", body, "application/json") { Target = target };
}
