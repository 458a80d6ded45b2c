namespace ShadowProxy.Tests.Infrastructure;

/// <summary>Polls a condition with an upper bound: for effects that happen off the request path.</summary>
public static class Eventually
{
    public static Task True(Func<bool> condition, string because, TimeSpan? within = null) =>
        True(() => Task.FromResult(condition()), because, within);

    /// <summary>For conditions read through the network (an admin API answer).</summary>
    public static async Task True(Func<Task<bool>> condition, string because, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {because}");
            }

            await Task.Delay(10);
        }
    }
}
