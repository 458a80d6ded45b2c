using System.Text;
using System.Text.Json;
using ShadowProxy.Core.Gates;
using ShadowProxy.Core.Storage;
using static ShadowProxy.Tests.Storage.Records;

namespace ShadowProxy.Tests.Storage;

public sealed class SqliteDiffStoreTests
{
    private const string Orders = "GET /api/orders/{id}";
    private const string Users = "GET /api/users/{id}";

    [Fact]
    public async Task Fifty_thousand_records_stay_within_every_bound_count_exactly_and_stop_growing_the_file()
    {
        await using var temp = new TempStore();
        var store = temp.Open(temp.Options(samplesPerPath: 5, maxSamples: 300, maxPaths: 400));
        var random = new Random(42);
        long matches = 0, diffs = 0, noise = 0, differences = 0, noiseDifferences = 0;

        async Task WriteAsync(int count, int offset)
        {
            var batch = new List<ComparisonRecord>(500);
            for (var i = 0; i < count; i++)
            {
                var endpoint = $"GET /api/e{random.Next(20)}/{{id}}";
                var roll = random.Next(10);
                StoredDifference[] found = roll < 3 ? []
                    : roll < 4 ? [Value("$.meta.requestId", noise: true)]
                    : [.. Enumerable.Range(0, random.Next(1, 5)).Select(_ => Value($"$.items[{random.Next(60)}].price")).DistinctBy(d => d.Path)];
                var body = new string('x', random.Next(100, 1000));
                var record = Diff("orders", endpoint, Start.AddMilliseconds(offset + i), found.Length == 0 ? null : Sample("/api/e/1", body, body + "y"), found);
                matches += record.Outcome == ComparisonTally.Match ? 1 : 0;
                diffs += record.Outcome == ComparisonTally.Diff ? 1 : 0;
                noise += record.Outcome == ComparisonTally.Noise ? 1 : 0;
                differences += found.Length;
                noiseDifferences += found.Count(d => d.IsNoise);
                batch.Add(record);
                if (batch.Count == 500)
                {
                    await store.WriteAsync(batch);
                    batch = new List<ComparisonRecord>(500);
                }
            }

            await store.WriteAsync(batch);
        }

        await WriteAsync(25_000, 0);
        await store.CompactAsync();
        var sizeAtHalf = new FileInfo(temp.Path).Length;
        await WriteAsync(25_000, 25_000);
        await store.CompactAsync();
        var sizeAtEnd = new FileInfo(temp.Path).Length;

        var counts = await store.ReadCountsAsync("orders");
        Assert.Equal((matches, diffs, noise), (counts.Match, counts.Diff, counts.Noise));
        Assert.Equal(50_000, counts.Total);
        Assert.Equal(20, counts.Endpoints.Count);
        Assert.Equal(differences, temp.Scalar("SELECT SUM(count) FROM diff_counters"));
        Assert.Equal(noiseDifferences, temp.Scalar("SELECT SUM(noise_count) FROM diff_counters"));
        Assert.Equal(400, temp.Scalar("SELECT COUNT(*) FROM diff_counters WHERE path <> '(other)'"));
        Assert.InRange(temp.Scalar("SELECT COUNT(*) FROM diff_counters WHERE path = '(other)'"), 1, 20);
        Assert.Equal(300, temp.Scalar("SELECT COUNT(*) FROM samples"));
        Assert.InRange(temp.Scalar("SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM sample_paths GROUP BY migration, endpoint, path)"), 1, 5);
        Assert.Equal(0, temp.Scalar("SELECT COUNT(*) FROM sample_paths WHERE sample_id NOT IN (SELECT id FROM samples)"));

        // Evicted samples free pages that later samples reuse: the second half adds (almost) nothing.
        Assert.True(sizeAtEnd <= sizeAtHalf * 1.05 + 64 * 1024, $"file grew from {sizeAtHalf} to {sizeAtEnd} bytes");
    }

    [Fact]
    public async Task Summary_filters_sorts_pages_and_rates_per_endpoint()
    {
        await using var temp = new TempStore();
        var store = temp.Open();
        var batch = new List<ComparisonRecord>();
        for (var i = 0; i < 10; i++)
        {
            // orders: 10 comparisons; $.price differs in 6, $.meta.id (noise) in 3, status in 1.
            batch.Add(i switch
            {
                < 6 => Diff("orders", Orders, Start.AddSeconds(i), Sample("/api/orders/" + i), Value("$.price")),
                < 9 => Diff("orders", Orders, Start.AddSeconds(i), null, Value("$.meta.id", noise: true)),
                _ => Diff("orders", Orders, Start.AddSeconds(i), Sample("/api/orders/9"), new StoredDifference("status", "Status", "200", "500", false)),
            });
        }

        // users: 4 comparisons, 2 with $.price.
        batch.Add(Diff("users", Users, Start, null, Value("$.price")));
        batch.Add(Diff("orders", Users, Start.AddSeconds(20), null, Value("$.price")));
        batch.Add(Diff("orders", Users, Start.AddSeconds(21), null, Value("$.price")));
        batch.Add(Diff("orders", Users, Start.AddSeconds(22), null));
        batch.Add(Diff("orders", Users, Start.AddSeconds(23), null));
        await store.WriteAsync(batch);

        var all = await store.ReadSummaryAsync("orders", new SummaryQuery());
        Assert.Equal(4, all.Total);
        Assert.Equal(
            [(Orders, "$.price", 6L), (Orders, "$.meta.id", 3L), (Users, "$.price", 2L), (Orders, "status", 1L)],
            all.Rows.Select(r => (r.Endpoint, r.Path, r.Count)));
        var price = all.Rows[0];
        Assert.Equal(0.6, price.Rate, 6);
        Assert.False(price.IsNoise);
        Assert.Equal(Start, price.FirstSeen);
        Assert.Equal(Start.AddSeconds(5), price.LastSeen);
        Assert.Equal(5, price.SampleIds.Count);
        Assert.Equal(0.5, all.Rows[2].Rate, 6);
        Assert.True(all.Rows[1].IsNoise);
        Assert.Equal(3, all.Rows[1].NoiseCount);
        Assert.Empty(all.Rows[1].SampleIds);

        var page = await store.ReadSummaryAsync("orders", new SummaryQuery { Offset = 1, Limit = 2 });
        Assert.Equal(4, page.Total);
        Assert.Equal(["$.meta.id", "$.price"], page.Rows.Select(r => r.Path));

        var onUsers = await store.ReadSummaryAsync("orders", new SummaryQuery { Endpoint = Users });
        Assert.Equal((1L, Users), (onUsers.Total, onUsers.Rows.Single().Endpoint));

        var byPath = await store.ReadSummaryAsync("orders", new SummaryQuery { PathContains = "pri", Sort = SummarySort.Rate });
        Assert.Equal([0.6, 0.5], byPath.Rows.Select(r => Math.Round(r.Rate, 6)));

        var noiseOnly = await store.ReadSummaryAsync("orders", new SummaryQuery { Noise = true });
        Assert.Equal("$.meta.id", noiseOnly.Rows.Single().Path);
        var realOnly = await store.ReadSummaryAsync("orders", new SummaryQuery { Noise = false, Sort = SummarySort.Path });
        Assert.Equal(["$.price", "$.price", "status"], realOnly.Rows.Select(r => r.Path));

        var newest = await store.ReadSummaryAsync("orders", new SummaryQuery { Sort = SummarySort.LastSeen, Limit = 1 });
        Assert.Equal(Users, newest.Rows.Single().Endpoint);

        Assert.Equal(0, (await store.ReadSummaryAsync("payments", new SummaryQuery())).Total);
        Assert.Equal(1, (await store.ReadSummaryAsync("users", new SummaryQuery())).Total);
    }

    [Fact]
    public async Task Noise_state_of_a_path_follows_its_latest_occurrence()
    {
        await using var temp = new TempStore();
        var store = temp.Open();
        await store.WriteAsync([Diff("orders", Orders, Start, null, Value("$.id"))]);
        await store.WriteAsync([Diff("orders", Orders, Start.AddSeconds(2), null, Value("$.id", noise: true))]);

        // An older occurrence written late does not flip it back.
        await store.WriteAsync([Diff("orders", Orders, Start.AddSeconds(1), null, Value("$.id"))]);

        var row = (await store.ReadSummaryAsync("orders", new SummaryQuery())).Rows.Single();
        Assert.Equal((3L, 1L, true), (row.Count, row.NoiseCount, row.IsNoise));
    }

    [Fact]
    public async Task Samples_keep_the_first_n_per_path_newest_first_with_filters_and_cursor()
    {
        await using var temp = new TempStore();
        var store = temp.Open(temp.Options(samplesPerPath: 2));
        await store.WriteAsync(
        [
            Diff("orders", Orders, Start, Sample("/api/orders/1"), Value("$.price")),
            Diff("orders", Orders, Start.AddSeconds(1), Sample("/api/orders/2"), Value("$.price")),

            // $.price is full: kept only because $.total still lacks samples.
            Diff("orders", Orders, Start.AddSeconds(2), Sample("/api/orders/3"), Value("$.price"), Value("$.total")),

            // Nothing lacks: not kept. Noise paths never ask for samples.
            Diff("orders", Orders, Start.AddSeconds(3), Sample("/api/orders/4"), Value("$.price")),
            Diff("orders", Orders, Start.AddSeconds(4), Sample("/api/orders/5"), Value("$.meta.id", noise: true)),
            Diff("orders", Users, Start.AddSeconds(5), Sample("/api/users/6"), Value("$.price")),
        ]);

        var all = await store.ReadSamplesAsync("orders", new SampleQuery());
        Assert.Equal(["/api/users/6?expand=items", "/api/orders/3?expand=items", "/api/orders/2?expand=items", "/api/orders/1?expand=items"], all.Select(s => s.PathAndQuery));
        Assert.All(all, s => Assert.Equal(("GET", 200, 200), (s.Method, s.LegacyStatus, s.CandidateStatus)));
        Assert.Equal(2, all[1].DifferenceCount);
        Assert.Equal(Start.AddSeconds(2), all[1].Time);

        var price = await store.ReadSamplesAsync("orders", new SampleQuery(Endpoint: Orders, Path: "$.price"));
        Assert.Equal(["/api/orders/2?expand=items", "/api/orders/1?expand=items"], price.Select(s => s.PathAndQuery));
        var total = await store.ReadSamplesAsync("orders", new SampleQuery(Path: "$.total"));
        Assert.Equal("/api/orders/3?expand=items", total.Single().PathAndQuery);

        var first = await store.ReadSamplesAsync("orders", new SampleQuery(Limit: 2));
        var next = await store.ReadSamplesAsync("orders", new SampleQuery(Limit: 2, Before: first[^1].Id));
        Assert.Equal(all.Select(s => s.Id), first.Concat(next).Select(s => s.Id));

        var coverage = await store.ReadSampleCoverageAsync();
        Assert.Equal(
            [(Orders, "$.price", 2), (Orders, "$.total", 1), (Users, "$.price", 1)],
            coverage.Select(c => (c.Endpoint, c.Path, c.Samples)).Order());
    }

    [Fact]
    public async Task A_sample_reads_back_as_given_with_its_differences()
    {
        await using var temp = new TempStore();
        var store = temp.Open();
        var sample = Sample("/api/orders/7") with
        {
            Request = Sample("/api/orders/7").Request with { Body = StoredBody.Create([0xff, 0x00, 0x10]) },
            Candidate = new StoredResponse { Status = 0, Failure = "Timeout", DurationMs = 5000 },
        };
        StoredDifference[] found = [new("status", "Status", "200", "0", false), Value("$.meta.id", noise: true)];
        await store.WriteAsync([Diff("orders", Orders, Start, sample, found)]);
        var id = (await store.ReadSamplesAsync("orders", new SampleQuery())).Single().Id;

        var detail = await store.ReadSampleAsync("orders", id);

        Assert.NotNull(detail);
        Assert.Equal((id, Start, Orders, false), (detail.Id, detail.Time, detail.Endpoint, detail.DifferencesTruncated));
        Assert.Equal(Json(sample), Json(detail.Sample));
        Assert.Equal(found, detail.Differences);
        Assert.Equal(new StoredBody("/wAQ", Base64: true, Truncated: false, Length: 3), detail.Sample.Request.Body);
        Assert.Null(await store.ReadSampleAsync("users", id));
        Assert.Null(await store.ReadSampleAsync("orders", id + 1));
    }

    [Fact]
    public async Task Oversized_bodies_and_difference_lists_are_capped_in_the_stored_sample()
    {
        await using var temp = new TempStore();
        var store = temp.Open();
        var huge = new string('é', 100_000);
        var sample = Sample("/api/orders/8", huge, "{}") with
        {
            // A caller that skipped StoredBody.Create: the store still caps.
            Candidate = new StoredResponse { Status = 200, Body = new StoredBody(new string('a', 200_000), false, false, 200_000) },
        };
        var many = Enumerable.Range(0, 300).Select(i => Value($"$.items[{i}]")).ToArray();
        await store.WriteAsync([Diff("orders", Orders, Start, sample, many)]);

        var detail = await store.ReadSampleAsync("orders", (await store.ReadSamplesAsync("orders", new SampleQuery())).Single().Id);

        var legacy = detail!.Sample.Legacy.Body!;
        Assert.True(legacy.Truncated);
        Assert.Equal(StoredBody.MaxBytes / 2, legacy.Content.Length);
        Assert.Equal(Encoding.UTF8.GetByteCount(huge), legacy.Length);
        Assert.Equal((StoredBody.MaxBytes, true, 200_000L), (detail.Sample.Candidate.Body!.Content.Length, detail.Sample.Candidate.Body.Truncated, detail.Sample.Candidate.Body.Length));
        Assert.Equal(200, detail.Differences.Count);
        Assert.True(detail.DifferencesTruncated);
        Assert.Equal(300, (await store.ReadSamplesAsync("orders", new SampleQuery())).Single().DifferenceCount);
    }

    [Fact]
    public async Task Endpoints_beyond_their_bound_count_under_the_overflow_endpoint()
    {
        await using var temp = new TempStore();
        var store = temp.Open();
        var batch = Enumerable.Range(0, StorageLimits.MaxEndpointsPerMigration + 5)
            .Select(i => Diff("orders", $"GET /api/v{i}", Start, null, Value("$.a")))
            .ToList();
        await store.WriteAsync(batch);

        var counts = await store.ReadCountsAsync("orders");
        Assert.Equal(StorageLimits.MaxEndpointsPerMigration + 1, counts.Endpoints.Count);
        Assert.Equal(5, counts.Endpoints.Single(e => e.Endpoint == "(other)").Diff);
        Assert.Equal(batch.Count, counts.Diff);
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);
}
