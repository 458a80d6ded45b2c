using System.Text;
using BenchmarkDotNet.Attributes;
using JsonDiffPatchDotNet;
using Newtonsoft.Json.Linq;
using ShadowProxy.Core.Buffers;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Diff;

namespace ShadowProxy.Benchmarks.Diff;

/// <summary>
/// Our engine against JsonDiffPatch.Net on the same orders pairs. JsonDiffPatch.Net gets its input as strings
/// prepared in setup (what its API takes); the engine gets captured responses, as in the proxy.
/// </summary>
[MemoryDiagnoser]
public class DiffEngineBenchmarks
{
    private readonly JsonDiffPatch _jsonDiffPatch = new();
    private DiffEngine _engine = null!;
    private CapturedResponse _legacy = null!;
    private CapturedResponse _candidate = null!;
    private string _legacyText = null!;
    private string _candidateText = null!;

    [Params(4, 64)]
    public int SizeKb { get; set; }

    /// <summary>Reordered keys take the engine's documents path; keys in the same order its side-by-side reader.</summary>
    [Params(true, false)]
    public bool KeysReordered { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var (legacy, candidate) = OrderDocuments.Create(SizeKb * 1024, KeysReordered);
        _legacyText = Encoding.UTF8.GetString(legacy);
        _candidateText = Encoding.UTF8.GetString(candidate);
        _legacy = Capture(legacy);
        _candidate = Capture(candidate);
        _engine = new DiffEngine(new DiffOptions
        {
            IgnoreJsonPaths = ["$.meta.requestId"],
            UnorderedArrays = ["$.orders[*].tags"],
        });

        var result = _engine.Compare(_legacy, _candidate);
        Console.WriteLine($"// {SizeKb} KB pair, keys {(KeysReordered ? "reordered" : "in order")}: {legacy.Length} + {candidate.Length} bytes, {result.Outcome}, {result.Differences.Count} differences");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _legacy.Dispose();
        _candidate.Dispose();
    }

    [Benchmark(Baseline = true)]
    public int JsonDiffPatchNet()
    {
        var diff = _jsonDiffPatch.Diff(JToken.Parse(_legacyText), JToken.Parse(_candidateText));
        return diff?.Count() ?? 0;
    }

    [Benchmark]
    public int DiffEngine() => _engine.Compare(_legacy, _candidate).Differences.Count;

    /// <summary>A JSON response as the proxy captures it.</summary>
    internal static CapturedResponse Capture(byte[] body)
    {
        var buffer = new CappedBuffer(body.Length);
        buffer.Write(body);
        return new CapturedResponse(200, [new("Content-Type", "application/json; charset=utf-8")], buffer, TimeSpan.Zero);
    }
}
