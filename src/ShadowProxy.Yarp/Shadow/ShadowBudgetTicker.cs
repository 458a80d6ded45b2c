using ShadowProxy.Migrations;

namespace ShadowProxy.Shadow;

/// <summary>
/// Feeds every migration's <see cref="ShadowBudget"/> four times a second: often enough that a
/// candidate turning slow is followed within a few seconds, rarely enough to cost nothing.
/// </summary>
internal sealed class ShadowBudgetTicker(MigrationRegistry registry, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                foreach (var migration in registry.All)
                {
                    migration.ShadowBudget.Tick(migration.ShadowInFlight);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
