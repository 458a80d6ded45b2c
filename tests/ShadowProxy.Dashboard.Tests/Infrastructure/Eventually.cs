namespace ShadowProxy.Dashboard.Tests.Infrastructure;

/// <summary>Waits for a condition on the server side (the API), polling, within a bound.</summary>
public static class Eventually
{
    public static async Task<T> WaitAsync<T>(Func<Task<T?>> probe, string what, double seconds = BrowserFixture.TimeoutMs / 1000)
        where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Gave up after {seconds} s waiting for {what}.");
            }

            await Task.Delay(100);
        }
    }
}
