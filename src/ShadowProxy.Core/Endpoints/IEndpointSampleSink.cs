namespace ShadowProxy.Core.Endpoints;

/// <summary>
/// Receives bounded copies of the bodies an endpoint exchanges, for schema inference (the OpenAPI document).
/// The inventory's hook on the request path asks <see cref="WantsSample"/> once the response status is known and
/// copies bodies only when the answer is yes, so a saturated endpoint costs nothing; <see cref="Add"/> runs after
/// the response completed, off the client's path.
/// </summary>
public interface IEndpointSampleSink
{
    /// <summary>Cheap and allocation-free: false once (<paramref name="endpoint"/>, <paramref name="status"/>) holds enough samples.</summary>
    /// <param name="endpoint">The endpoint as the inventory names it: method, a space and the path template (<c>GET /api/orders/{id}</c>).</param>
    bool WantsSample(string migration, string endpoint, int status);

    /// <summary>A bounded copy of one exchange of <paramref name="endpoint"/>; bodies are empty when absent or not captured.</summary>
    void Add(string migration, string endpoint, int status, EndpointSample sample);
}

/// <summary>The bodies of one exchange, each capped in size by the capture and free of Content-Encoding; content types as sent.</summary>
public readonly record struct EndpointSample(
    ReadOnlyMemory<byte> RequestBody,
    string? RequestContentType,
    ReadOnlyMemory<byte> ResponseBody,
    string? ResponseContentType)
{
    /// <summary>
    /// The request's path and query as the client sent them (<c>/api/orders/42?expand=lines</c>), or null: the values of
    /// the template's path parameters and the query parameters, whose types inference learns from the sampled requests.
    /// </summary>
    public string? Target { get; init; }
}
