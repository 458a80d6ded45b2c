using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Core.Diff;

namespace ShadowProxy.Benchmarks.Diff;

/// <summary>
/// The engine on one large array (docs/comparison.md#arrays): 10,000 elements, objects with an <c>id</c> (matched by identity, O(n)
/// with a dictionary) or plain numbers (paired by value through hashes). <c>SameOrder</c> differs in one element's
/// price and stays on the side-by-side reader; <c>Resorted</c> holds the same elements in another order (one
/// ArrayOrder); <c>ResortedOneChange</c> adds a changed element (ArrayOrder and one difference at its identity path).
/// </summary>
[MemoryDiagnoser]
public class ArrayAlignmentBenchmarks
{
    private DiffEngine _engine = null!;
    private CapturedResponse _legacy = null!;
    private CapturedResponse _candidate = null!;

    [Params(10_000)]
    public int Elements { get; set; }

    [Params("SameOrder", "Resorted", "ResortedOneChange")]
    public string Layout { get; set; } = "SameOrder";

    [Params(true, false)]
    public bool Keyed { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var ids = Enumerable.Range(1, Elements).ToArray();

        // A re-sort that is not a plain reversal: by the last digit, then by id.
        var candidateIds = Layout == "SameOrder" ? ids : [.. ids.OrderBy(id => id % 10).ThenBy(id => id)];
        int? changed = Layout == "Resorted" ? null : Elements / 2;
        var legacy = Body(ids, null);
        var candidate = Body(candidateIds, changed);
        _legacy = DiffEngineBenchmarks.Capture(legacy);
        _candidate = DiffEngineBenchmarks.Capture(candidate);
        _engine = new DiffEngine(new DiffOptions());
        var result = _engine.Compare(_legacy, _candidate);
        Console.WriteLine($"// {Layout}, {(Keyed ? "objects with id" : "numbers")}: {legacy.Length} + {candidate.Length} bytes, {result.Outcome}: "
            + string.Join("; ", result.Differences.Select(d => $"{d.Path} {d.Kind}")));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _legacy.Dispose();
        _candidate.Dispose();
    }

    [Benchmark]
    public int Compare() => _engine.Compare(_legacy, _candidate).Differences.Count;

    private byte[] Body(int[] ids, int? changedId)
    {
        object items = Keyed
            ? ids.Select(id => new { id, sku = $"SKU-{id:00000}", quantity = id % 7 + 1, price = id == changedId ? id + 0.5m : id * 1.25m })
            : ids.Select(id => id == changedId ? -id : id);
        return Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { page = 1, items }));
    }
}
