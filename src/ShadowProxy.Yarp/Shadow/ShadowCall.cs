using System.Diagnostics;
using ShadowProxy.Capture;
using ShadowProxy.Core.Buffers;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Migrations;

namespace ShadowProxy.Shadow;

/// <summary>One shadow request in flight: everything its later stages need once the client's request is gone.</summary>
internal sealed class ShadowCall(
    ShadowDispatcher dispatcher,
    MigrationRuntime migration,
    MigrationSnapshot snapshot,
    Backend primary,
    ShadowTarget target,
    HttpRequestMessage message,
    CappedBuffer? requestBody,
    CapturedResponse primaryResponse) : IThreadPoolWorkItem
{
    public MigrationRuntime Migration => migration;

    public MigrationSnapshot Snapshot => snapshot;

    public Backend Primary => primary;

    /// <summary>The backend the shadow copy goes to: the one that did not serve the client.</summary>
    public Backend ShadowBackend => primary == Backend.Legacy ? Backend.Candidate : Backend.Legacy;

    public HttpRequestMessage Message => message;

    /// <summary>Where <see cref="Message"/> goes, and how.</summary>
    public ShadowTarget Target => target;

    public string? RouteTemplate { get; init; }

    public required string Path { get; init; }

    public required string Query { get; init; }

    public ActivityContext ClientActivity { get; init; }

    /// <summary>The noise probe's copy for legacy, when this request was sampled for one.</summary>
    public HttpRequestMessage? ProbeMessage { get; init; }

    /// <summary>Where <see cref="ProbeMessage"/> goes, and how (default without a probe).</summary>
    public ShadowTarget ProbeTarget { get; init; }

    /// <summary>The endpoint this request counts under (<see cref="MigrationRuntime.EndpointOf"/>).</summary>
    public string Endpoint => migration.EndpointOf(message.Method.Method, RouteTemplate, Path);

    public void Execute() => _ = dispatcher.RunAsync(this);

    /// <summary>The pair for the comparison workers; the exchange takes over the request and primary buffers.</summary>
    /// <param name="probeResponse">The noise probe's second legacy answer, when the call carried a probe.</param>
    public ShadowExchange ToExchange(CapturedResponse shadowResponse, CapturedResponse? probeResponse, DateTimeOffset timestamp) => new()
    {
        Migration = migration.Name,
        RouteTemplate = RouteTemplate,
        Method = message.Method.Method,
        Path = Path,
        Query = Query,
        RequestHeaders = HeaderList.Lazy(message),
        RequestBody = requestBody,
        Primary = primary,
        Legacy = primary == Backend.Legacy ? primaryResponse : shadowResponse,
        Candidate = primary == Backend.Legacy ? shadowResponse : primaryResponse,
        Probe = probeResponse,
        Timestamp = timestamp,
        TraceId = ClientActivity.TraceId == default ? null : ClientActivity.TraceId.ToString(),
    };

    /// <summary>Releases the request and primary buffers of a call that produced no exchange.</summary>
    public void ReleaseBuffers()
    {
        requestBody?.Dispose();
        primaryResponse.Dispose();
    }
}
