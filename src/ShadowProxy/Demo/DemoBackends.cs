namespace ShadowProxy.Demo;

/// <summary>
/// The two demo backends of <c>--demo</c>: a legacy and a candidate implementation of the same shop API,
/// each an in-process Kestrel app on 127.0.0.1 with an OS-chosen port.
/// </summary>
internal sealed partial class DemoBackends : IAsyncDisposable
{
    private readonly LoopbackWebApp _legacy;
    private readonly LoopbackWebApp _candidate;

    private DemoBackends(LoopbackWebApp legacy, LoopbackWebApp candidate)
    {
        _legacy = legacy;
        _candidate = candidate;
    }

    /// <summary>Base address of the legacy backend, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri LegacyAddress => _legacy.Address;

    /// <summary>Base address of the candidate backend.</summary>
    public Uri CandidateAddress => _candidate.Address;

    /// <param name="candidateReleaseAfter">When the candidate's second release replaces its first (<see cref="DemoBackendProfile.CandidateReleaseAfter"/> by default; <see cref="Timeout.InfiniteTimeSpan"/>: never).</param>
    public static async Task<DemoBackends> StartAsync(ILoggerFactory loggerFactory, CancellationToken cancellationToken, TimeSpan? candidateReleaseAfter = null)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var logger = loggerFactory.CreateLogger<DemoBackends>();

        var legacy = await StartOneAsync(new DemoApi(DemoBackendProfile.Legacy, DemoShop.Instance), DemoBackendProfile.Legacy, loggerFactory, cancellationToken).ConfigureAwait(false);
        try
        {
            var candidateApi = new DemoApi(DemoBackendProfile.Candidate, DemoShop.Instance, DemoBackendProfile.CandidateFixed, candidateReleaseAfter ?? DemoBackendProfile.CandidateReleaseAfter);
            var candidate = await StartOneAsync(candidateApi, DemoBackendProfile.Candidate, loggerFactory, cancellationToken).ConfigureAwait(false);
            Log.Started(logger, legacy.Address, candidate.Address);
            return new DemoBackends(legacy, candidate);
        }
        catch
        {
            await legacy.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Stopped together: each waits up to its own timeout for in-flight requests.
        await Task.WhenAll(_legacy.DisposeAsync().AsTask(), _candidate.DisposeAsync().AsTask()).ConfigureAwait(false);
    }

    private static Task<LoopbackWebApp> StartOneAsync(DemoApi api, DemoBackendProfile profile, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        return LoopbackWebApp.StartAsync(api.Map, loggerFactory, "ShadowProxy.Demo." + profile.Name, cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Demo backends listening: legacy on {LegacyAddress}, candidate on {CandidateAddress}")]
        public static partial void Started(ILogger logger, Uri legacyAddress, Uri candidateAddress);
    }
}
