using Polly;
using Polly.CircuitBreaker;
using Polly.Fallback;
using ShadowProxy.Core.Configuration;

namespace ShadowProxy.Migrations;

/// <summary>
/// Failover (docs/configuration.md#failover) for one migration's candidate, as a Polly pipeline: a fallback to the legacy
/// backend around a circuit breaker around the candidate attempt. A failed attempt (connection
/// error, timeout, 5xx) is answered by legacy once; while the breaker is open, candidate-chosen
/// traffic goes straight to legacy. The breaker's state is the migration's; each request brings its
/// own <see cref="IFailoverCall"/>: what the attempt and the fallback do.
/// </summary>
internal sealed class CandidateFailover
{
    private static readonly ResiliencePropertyKey<IFailoverCall?> CallKey = new("ShadowProxy.FailoverCall");

    private readonly ResiliencePipeline<AttemptResult> _pipeline;
    private readonly CircuitBreakerStateProvider _state = new();

    public CandidateFailover(FailoverOptions options, TimeProvider time)
    {
        _pipeline = new ResiliencePipelineBuilder<AttemptResult> { TimeProvider = time }
            .AddFallback(new FallbackStrategyOptions<AttemptResult>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result == AttemptResult.Failed || args.Outcome.Exception is BrokenCircuitException),
                FallbackAction = async args =>
                {
                    // An exception here can only be the breaker's: it refused the attempt, the candidate was never called.
                    var attempted = args.Outcome.Exception is null;
                    await args.Context.Properties.GetValue(CallKey, null)!.FallBackAsync(attempted).ConfigureAwait(false);
                    return Outcome.FromResult(AttemptResult.FellBack);
                },
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<AttemptResult>
            {
                FailureRatio = options.BreakerFailureRatio,
                MinimumThroughput = options.BreakerMinimumThroughput,
                SamplingDuration = options.BreakerSamplingDuration,
                BreakDuration = options.BreakerBreakDuration,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result == AttemptResult.Failed),
                StateProvider = _state,
            })
            .Build();
    }

    /// <summary>True while the breaker keeps candidate-chosen traffic on legacy.</summary>
    public bool IsOpen => _state.CircuitState is CircuitState.Open or CircuitState.Isolated;

    /// <summary>Runs the candidate attempt of <paramref name="call"/>; on failure (or an open breaker) its fallback.</summary>
    public async ValueTask<AttemptResult> ExecuteAsync(IFailoverCall call, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            context.Properties.Set(CallKey, call);
            return await _pipeline.ExecuteAsync(static (_, c) => c.AttemptAsync(), context, call).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}

/// <summary>One request under failover: the candidate attempt, and the legacy call when it fails.</summary>
internal interface IFailoverCall
{
    ValueTask<AttemptResult> AttemptAsync();

    /// <param name="attempted">False when the breaker refused the attempt (the candidate was never called).</param>
    ValueTask FallBackAsync(bool attempted);
}

internal enum AttemptResult
{
    Succeeded,
    Failed,
    FellBack,
}
