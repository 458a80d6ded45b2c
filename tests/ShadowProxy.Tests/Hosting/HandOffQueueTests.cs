using ShadowProxy.Hosting;

namespace ShadowProxy.Tests.Hosting;

public sealed class HandOffQueueTests
{
    // Only bounds a test that fails; a passing test never waits for it. Generous: 80,000 items through a
    // low-priority consumer took longer than 10 s on the 2-core machine at a load average of 50.
    private static readonly TimeSpan FailAfter = TimeSpan.FromSeconds(60);

    // The consumer signals through a synchronous event: completing a task there would queue pool work from a low-priority thread (DedicatedThread).
    private static Task WhenSet(ManualResetEventSlim signal) => Task.Run(() => Assert.True(signal.Wait(FailAfter), "the consumer never parked"));

    [Fact]
    public void Refuses_items_beyond_its_capacity_until_one_is_taken()
    {
        var queue = new HandOffQueue<int>(capacity: 2);

        Assert.True(queue.TryEnqueue(1));
        Assert.True(queue.TryEnqueue(2));
        Assert.False(queue.TryEnqueue(3));
        Assert.Equal(2, queue.Count);

        Assert.True(queue.TryDequeue(out var first));
        Assert.Equal(1, first);
        Assert.True(queue.TryEnqueue(4));
        Assert.True(queue.TryDequeue(out var second));
        Assert.True(queue.TryDequeue(out var third));
        Assert.Equal([2, 4], new[] { second, third });
        Assert.False(queue.TryDequeue(out _));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void A_capacity_below_one_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HandOffQueue<int>(0));
    }

    [Fact]
    public async Task A_parked_consumer_wakes_for_an_item_queued_after_it_parked()
    {
        var queue = new HandOffQueue<string>(capacity: 8);
        using var parked = new ManualResetEventSlim();
        var consumer = DedicatedThread.Run("shadowproxy-test", lowPriority: true, () =>
        {
            parked.Set();
            Assert.True(queue.WaitForItems(CancellationToken.None));
            Assert.True(queue.TryDequeue(out var item));
            Assert.Equal("pair", item);
        });

        await WhenSet(parked);
        Assert.True(queue.TryEnqueue("pair"));
        await consumer.WaitAsync(FailAfter);
    }

    [Fact]
    public async Task Complete_refuses_new_items_lets_queued_ones_be_taken_and_then_releases_the_consumer()
    {
        var queue = new HandOffQueue<int>(capacity: 8);
        Assert.True(queue.TryEnqueue(1));
        queue.Complete();

        Assert.False(queue.TryEnqueue(2));
        Assert.True(queue.WaitForItems(CancellationToken.None));
        Assert.True(queue.TryDequeue(out var item));
        Assert.Equal(1, item);
        Assert.False(queue.WaitForItems(CancellationToken.None));

        // A consumer already parked when the queue completes is released too.
        var other = new HandOffQueue<int>(capacity: 8);
        using var parked = new ManualResetEventSlim();
        var consumer = DedicatedThread.Run("shadowproxy-test", lowPriority: true, () =>
        {
            parked.Set();
            Assert.False(other.WaitForItems(CancellationToken.None));
        });
        await WhenSet(parked);
        other.Complete();
        await consumer.WaitAsync(FailAfter);
    }

    [Fact]
    public async Task A_parked_consumer_stops_waiting_when_cancelled()
    {
        var queue = new HandOffQueue<int>(capacity: 8);
        using var stopping = new CancellationTokenSource();
        using var parked = new ManualResetEventSlim();
        var consumer = DedicatedThread.Run("shadowproxy-test", lowPriority: true, () =>
        {
            parked.Set();
            queue.WaitForItems(stopping.Token);
        });

        await WhenSet(parked);
        await stopping.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => consumer.WaitAsync(FailAfter));
    }

    [Fact]
    public async Task Every_item_from_several_producers_reaches_the_consumer_exactly_once()
    {
        const int Producers = 4;
        const int PerProducer = 20_000;
        var queue = new HandOffQueue<int>(capacity: 64);
        var seen = new bool[Producers * PerProducer];
        var received = 0;
        using var stopping = new CancellationTokenSource(FailAfter);
        var consumer = DedicatedThread.Run("shadowproxy-test", lowPriority: true, () =>
        {
            while (received < seen.Length && queue.WaitForItems(stopping.Token))
            {
                while (queue.TryDequeue(out var item))
                {
                    Assert.False(seen[item], $"item {item} was delivered twice");
                    seen[item] = true;
                    received++;
                }
            }
        });

        var producers = Enumerable.Range(0, Producers).Select(p => Task.Run(() =>
        {
            for (var i = 0; i < PerProducer; i++)
            {
                // Full queue: the consumer is behind; retry (bounded by the test's deadline).
                while (!queue.TryEnqueue((p * PerProducer) + i))
                {
                    stopping.Token.ThrowIfCancellationRequested();
                    Thread.Yield();
                }
            }
        }));

        await Task.WhenAll(producers);
        await consumer.WaitAsync(FailAfter);
        Assert.Equal(seen.Length, received);
        Assert.All(seen, Assert.True);
    }
}
