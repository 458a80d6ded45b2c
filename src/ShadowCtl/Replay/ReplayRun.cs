using System.Diagnostics;
using ShadowProxy.Core.Replay;

namespace ShadowCtl.Replay;

/// <summary>The target gave no answer at all: the same "unreachable" as an admin API that does not answer.</summary>
internal sealed class TargetUnreachableException(Uri target, string reason)
    : Exception($"cannot reach the target at {target}: {reason}");

/// <summary>
/// Replays a corpus against a target with bounded concurrency and judges every answer with the proxy's rules. The
/// first exchange goes alone: a target that is not there is reported at once, not after every exchange failed.
/// </summary>
internal static class ReplayRun
{
    public static async Task<IReadOnlyList<ExchangeResult>> RunAsync(
        IReadOnlyList<RecordedExchange> exchanges,
        ReplayJudge judge,
        ReplayTarget target,
        bool includeWrites,
        int concurrency,
        ReplayProgress progress,
        CancellationToken cancellationToken)
    {
        var results = new ExchangeResult?[exchanges.Count];
        var toSend = new List<int>(exchanges.Count);
        for (var i = 0; i < exchanges.Count; i++)
        {
            if (includeWrites || ReplayTarget.SafeMethods.Contains(exchanges[i].Request.Method))
            {
                toSend.Add(i);
            }
            else
            {
                results[i] = new ExchangeResult(exchanges[i], ExchangeResult.Skipped, null, null, 0, [], false,
                    $"{exchanges[i].Request.Method} is not replayed without --include-writes");
            }
        }

        progress.Start(toSend.Count);
        if (toSend.Count > 0)
        {
            var first = results[toSend[0]] = await ReplayAsync(exchanges[toSend[0]], judge, target, cancellationToken).ConfigureAwait(false);
            progress.Completed(first);
            if (first.Unanswered)
            {
                progress.Finish();
                throw new TargetUnreachableException(target.Address, first.TargetFailure ?? "no answer");
            }

            await Parallel.ForEachAsync(toSend.Skip(1), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (index, token) =>
            {
                var result = results[index] = await ReplayAsync(exchanges[index], judge, target, token).ConfigureAwait(false);
                progress.Completed(result);
            }).ConfigureAwait(false);
        }

        progress.Finish();
        var all = results.Select(r => r!).ToList();
        if (toSend.Count > 0 && all.All(r => r.Outcome == ExchangeResult.Skipped || r.Unanswered))
        {
            throw new TargetUnreachableException(target.Address, all.First(r => r.Unanswered).TargetFailure ?? "no answer");
        }

        return all;
    }

    private static async Task<ExchangeResult> ReplayAsync(RecordedExchange exchange, ReplayJudge judge, ReplayTarget target, CancellationToken cancellationToken)
    {
        using var answer = await target.SendAsync(exchange, cancellationToken).ConfigureAwait(false);
        return ExchangeResult.From(exchange, answer, judge.Judge(exchange, answer));
    }
}

/// <summary>
/// The progress line on a terminal (<c>replaying 37/120: 2 differ</c>), redrawn at most ten times a second; nothing
/// at all when standard error is not a terminal, so that CI logs and pipes get no carriage returns.
/// </summary>
internal sealed class ReplayProgress(TextWriter? terminal)
{
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);
    private readonly object _lock = new();
    private int _total;
    private int _done;
    private int _differ;
    private long _lastDraw;

    public void Start(int total) => _total = total;

    public void Completed(ExchangeResult result)
    {
        if (terminal is null)
        {
            return;
        }

        lock (_lock)
        {
            _done++;
            _differ += result.Failed ? 1 : 0;
            if (_done == _total || Stopwatch.GetElapsedTime(_lastDraw) >= RedrawInterval)
            {
                _lastDraw = Stopwatch.GetTimestamp();
                terminal.Write($"\rreplaying {_done}/{_total}: {_differ} differ\u001b[K");
                terminal.Flush();
            }
        }
    }

    public void Finish()
    {
        if (terminal is not null)
        {
            lock (_lock)
            {
                terminal.Write("\r\u001b[K");
                terminal.Flush();
            }
        }
    }
}
