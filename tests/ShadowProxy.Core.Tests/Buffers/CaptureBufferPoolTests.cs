using ShadowProxy.Core.Buffers;

namespace ShadowProxy.Core.Tests.Buffers;

public sealed class CaptureBufferPoolTests
{
    [Theory]
    [InlineData(0, 4096)]
    [InlineData(1, 4096)]
    [InlineData(4096, 4096)]
    [InlineData(4097, 8192)]
    [InlineData(100_000, 131_072)]
    [InlineData(1024 * 1024, 1024 * 1024)]
    public void Rents_the_smallest_power_of_two_size_that_fits(int requested, int expected)
    {
        Assert.Equal(expected, new CaptureBufferPool().Rent(requested).Length);
    }

    [Fact]
    public void A_returned_array_is_rented_again()
    {
        var pool = new CaptureBufferPool();
        var array = pool.Rent(5000);
        pool.Return(array);

        Assert.Equal(1, pool.Retained);
        Assert.Same(array, pool.Rent(6000));
        Assert.Equal(0, pool.Retained);
    }

    [Fact]
    public void Arrays_above_the_largest_size_or_not_of_its_sizes_are_not_kept()
    {
        var pool = new CaptureBufferPool();
        var huge = pool.Rent(CaptureBufferPool.MaxLength + 1);
        Assert.Equal(CaptureBufferPool.MaxLength + 1, huge.Length);

        pool.Return(huge);
        pool.Return(new byte[5000]);
        pool.Return(new byte[1024]);

        Assert.Equal(0, pool.Retained);
    }

    [Fact]
    public void Each_size_keeps_a_bounded_number_of_bytes()
    {
        var pool = new CaptureBufferPool();
        var arrays = Enumerable.Range(0, 40).Select(_ => pool.Rent(CaptureBufferPool.MaxLength)).ToList();
        arrays.ForEach(pool.Return);

        var kept = Math.Max(CaptureBufferPool.MinRetainedPerSize, CaptureBufferPool.RetainedBytesPerSize / CaptureBufferPool.MaxLength);
        Assert.Equal(kept, pool.Retained);
    }

    [Fact]
    public async Task No_array_is_handed_to_two_renters_at_once()
    {
        var pool = new CaptureBufferPool();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var renters = Enumerable.Range(1, 4).Select(id => Task.Run(async () =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                deadline.Token.ThrowIfCancellationRequested();
                var array = pool.Rent(4096);
                array.AsSpan().Fill((byte)id);
                if (i % 64 == 0)
                {
                    await Task.Yield();
                }

                Assert.True(array.AsSpan().IndexOfAnyExcept((byte)id) < 0, "another renter wrote into an array it did not own");
                pool.Return(array);
            }
        }));

        await Task.WhenAll(renters);
        Assert.True(pool.Retained >= 1, "the arrays came back to the pool");
    }
}
