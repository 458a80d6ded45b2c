using ShadowProxy.Core.Buffers;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Diff;
using ShadowProxy.Core.Endpoints;

namespace ShadowProxy.Proxy;

/// <summary>
/// Hands bounded copies of legacy's exchanges to the <see cref="IEndpointSampleSink"/> (schema inference for the
/// OpenAPI document), when one is registered and wants them. Before forwarding, <see cref="Wants"/> says whether to
/// keep copies at all: only while the endpoint is new, or a status it was seen with still wants samples, so a
/// saturated endpoint copies nothing (an endpoint with a rare status still wanted keeps copying until that status
/// recurs). After the response, <see cref="Offer"/> asks again with the status and, on yes,
/// copies the bodies (within the capture's caps, <c>Shadow:MaxBodyBytes</c>) and calls <see cref="IEndpointSampleSink.Add"/>
/// on the thread pool, off the client's path.
/// </summary>
internal sealed class EndpointSampler(EndpointInventory inventory, IEndpointSampleSink? sink = null)
{
    // Inference parses bodies up to 256 KiB (docs/openapi.md#bounds); a decoded body never grows past this.
    private const long MaxDecodedBytes = 1024 * 1024;

    /// <summary>True when a sink is registered.</summary>
    public bool Enabled => sink is not null;

    /// <summary>Whether to keep copies of this request and its response for <see cref="Offer"/>.</summary>
    public bool Wants(string migration, string endpoint)
    {
        if (sink is null)
        {
            return false;
        }

        if (!inventory.TryGetStatuses(migration, endpoint, out var statuses))
        {
            return true;
        }

        foreach (var status in statuses)
        {
            if (status > 0 && sink.WantsSample(migration, endpoint, status))
            {
                return true;
            }
        }

        // Every status seen has its samples. A status not seen before is sampled from its second occurrence on, once
        // the inventory knows it.
        return false;
    }

    /// <summary>
    /// Legacy answered <paramref name="context"/>: when the sink wants this status, copies of the request body and the
    /// response body (empty when absent, not captured, or cut at the cap) go to it, off the client's path.
    /// </summary>
    public void Offer(string migration, string endpoint, HttpContext context, Backend servedBy, CappedBuffer? requestCopy, CappedBuffer? responseCopy)
    {
        var status = context.Response.StatusCode;
        if (sink is null || servedBy != Backend.Legacy || !sink.WantsSample(migration, endpoint, status))
        {
            return;
        }

        var request = context.Request;
        var sample = new EndpointSample(
            Copy(requestCopy), request.ContentType,
            Copy(responseCopy), context.Response.ContentType)
        {
            Target = request.Path.ToUriComponent() + request.QueryString.ToUriComponent(),
        };
        var encoding = context.Response.Headers.ContentEncoding.ToString();
        ThreadPool.UnsafeQueueUserWorkItem(static state => state.Sink.Add(state.Migration, state.Endpoint, state.Status, Decoded(state.Sample, state.Encoding)),
            new Pending(sink, migration, endpoint, status, sample, encoding), preferLocal: false);
    }

    private static ReadOnlyMemory<byte> Copy(CappedBuffer? buffer) =>
        buffer is null || buffer.Overflowed || buffer.Length == 0 ? ReadOnlyMemory<byte>.Empty : buffer.Span.ToArray();

    /// <summary>The sink reads bodies as the client reads them: a compressed response is decoded (within the same cap), or passed empty.</summary>
    private static EndpointSample Decoded(EndpointSample sample, string encoding)
    {
        if (encoding.Length == 0 || sample.ResponseBody.IsEmpty)
        {
            return sample;
        }

        using var decoded = ContentDecoder.Decode(sample.ResponseBody, encoding, MaxDecodedBytes);
        return sample with { ResponseBody = decoded.Status == DecodeStatus.Decoded ? decoded.Bytes.ToArray() : ReadOnlyMemory<byte>.Empty };
    }

    private sealed record Pending(IEndpointSampleSink Sink, string Migration, string Endpoint, int Status, EndpointSample Sample, string Encoding);
}
