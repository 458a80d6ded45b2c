using Microsoft.Extensions.Logging.Abstractions;
using ShadowProxy.Configuration;
using ShadowProxy.Core.Storage;
using ShadowProxy.Storage;
using ShadowProxy.Tests.Infrastructure;
using static ShadowProxy.Tests.Storage.Records;

namespace ShadowProxy.Tests.Storage;

public sealed class DiffRecorderTests
{
    private const string Orders = "GET /api/orders/{id}";

    [Fact]
    public async Task A_full_queue_drops_and_counts_without_blocking_and_stopping_flushes_the_rest()
    {
        var store = new BlockingDiffStore();
        var recorder = new DiffRecorder(store, Options(new StoreOptions()), NullLogger<DiffRecorder>.Instance, TimeProvider.System, capacity: 4);
        await recorder.StartAsync(CancellationToken.None);

        Assert.True(recorder.TryRecord(Record(0)));
        await store.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        for (var i = 1; i <= 4; i++)
        {
            Assert.True(recorder.TryRecord(Record(i)));
        }

        Assert.False(recorder.TryRecord(Record(5)));
        Assert.False(recorder.TryRecord(Record(6)));
        Assert.Equal((5L, 2L), (recorder.Recorded, recorder.Dropped));

        store.Release.SetResult();
        await recorder.StopAsync(CancellationToken.None);

        Assert.Equal([0, 1, 2, 3, 4], store.Written.Select(r => (int)(r.Timestamp - Start).TotalSeconds));
        Assert.Equal((5L, 0L), (recorder.Written, recorder.StoreErrors));
        Assert.False(recorder.TryRecord(Record(7)));
    }

    [Fact]
    public async Task Stopping_writes_what_is_queued_to_the_store()
    {
        await using var temp = new TempStore();
        var store = temp.Open();
        var recorder = new DiffRecorder(store, Options(temp.Options()), NullLogger<DiffRecorder>.Instance, TimeProvider.System);
        await recorder.StartAsync(CancellationToken.None);
        for (var i = 0; i < 1200; i++)
        {
            Assert.True(recorder.TryRecord(Record(i)));
        }

        await recorder.StopAsync(CancellationToken.None);

        Assert.Equal(1200, (await store.ReadCountsAsync("orders")).Diff);
        Assert.Equal(1200, recorder.Written);
    }

    [Fact]
    public async Task Store_failures_are_counted_and_never_thrown()
    {
        await using var temp = new TempStore();
        Directory.CreateDirectory(temp.Directory);
        await File.WriteAllTextAsync(Path.Combine(temp.Directory, "nested"), "a file where the store's directory should be");
        var recorder = new DiffRecorder(temp.Open(), Options(temp.Options()), NullLogger<DiffRecorder>.Instance, TimeProvider.System);
        await recorder.StartAsync(CancellationToken.None);

        Assert.True(recorder.TryRecord(Record(0)));
        await Eventually.True(() => recorder.StoreErrors >= 2, "the coverage seed and the batch failed");
        Assert.True(recorder.TryRecord(Record(1)));
        await recorder.StopAsync(CancellationToken.None);

        Assert.Equal(0, recorder.Written);
        Assert.True(recorder.StoreErrors >= 3);
    }

    [Fact]
    public async Task Wants_a_sample_only_while_a_path_lacks_samples_starting_from_what_the_store_holds()
    {
        await using var temp = new TempStore();
        var options = temp.Options(samplesPerPath: 2);
        var store = temp.Open(options);
        await store.WriteAsync(
        [
            Diff("orders", Orders, Start, Sample("/api/orders/1"), Value("$.price")),
            Diff("orders", Orders, Start, Sample("/api/orders/2"), Value("$.price")),
        ]);
        var recorder = new DiffRecorder(store, Options(options), NullLogger<DiffRecorder>.Instance, TimeProvider.System);
        await recorder.StartAsync(CancellationToken.None);
        await Eventually.True(() => !recorder.WantsSample("orders", Orders, "$.price"), "the view is seeded from the store");

        Assert.True(recorder.WantsSample("orders", Orders, "$.total"));
        Assert.True(recorder.WantsSample("orders", "GET /api/users/{id}", "$.price"));
        Assert.True(recorder.TryRecord(Diff("orders", Orders, Start, Sample("/api/orders/3"), Value("$.total"), Value("$.price"))));
        Assert.True(recorder.WantsSample("orders", Orders, "$.total"));
        Assert.True(recorder.TryRecord(Diff("orders", Orders, Start, Sample("/api/orders/4"), Value("$.total"))));
        Assert.False(recorder.WantsSample("orders", Orders, "$.total"));
        Assert.False(recorder.WantsSample("orders", Orders, "$.price"));

        await recorder.StopAsync(CancellationToken.None);
        Assert.Equal(4, (await store.ReadSamplesAsync("orders", new SampleQuery())).Count);
    }

    private static ShadowProxyOptions Options(StoreOptions store) => new() { Store = store };

    private static ComparisonRecord Record(int second) => Diff("orders", Orders, Start.AddSeconds(second), null, Value("$.price"));

    /// <summary>A store whose first write blocks until released, to fill the recorder's queue.</summary>
    private sealed class BlockingDiffStore : IDiffStore
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<ComparisonRecord> Written { get; } = [];

        public async Task<DiffWriteResult> WriteAsync(IReadOnlyList<ComparisonRecord> batch, CancellationToken cancellationToken = default)
        {
            Entered.TrySetResult();
            await Release.Task;
            Written.AddRange(batch);
            return new DiffWriteResult(0, 0);
        }

        public Task<IReadOnlyList<SampleCoverage>> ReadSampleCoverageAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<SampleCoverage>>([]);

        public Task<DiffSummaryPage> ReadSummaryAsync(string migration, SummaryQuery query, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<SampleHeader>> ReadSamplesAsync(string migration, SampleQuery query, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<SampleDetail?> ReadSampleAsync(string migration, long id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<ComparisonCounts> ReadCountsAsync(string migration, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
