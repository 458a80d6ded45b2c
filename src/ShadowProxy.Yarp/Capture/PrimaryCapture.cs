using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http.Features;
using ShadowProxy.Core.Buffers;
using ShadowProxy.Core.Comparison;
using Yarp.ReverseProxy.Forwarder;

namespace ShadowProxy.Capture;

/// <summary>
/// The bounded copies one request keeps while its primary is forwarded: the request body (teed as the primary
/// reads it, or kept whole before a request that may be sent twice) and, for a shadow, the primary's upstream
/// request and response. A local of the data path (a struct: nothing allocated beyond the copies themselves);
/// <see cref="Restore"/> puts the client's streams back, <see cref="Release"/> releases what was not handed on.
/// </summary>
[SuppressMessage("Reliability", "CA1001:Types that own disposable fields should be disposable", Justification = "A local of one async method, released on each of its paths by Release: a using would dispose a copy.")]
internal struct PrimaryCapture(HttpContext context)
{
    private readonly Stream _requestBody = context.Request.Body;
    private readonly IHttpResponseBodyFeature _responseBody = context.Features.Get<IHttpResponseBodyFeature>()!;
    private RequestBodyTee? _tee;
    private CappedBuffer? _responseCopy;

    /// <summary>The copy of the request body, or null when the request has none (or none was kept).</summary>
    public CappedBuffer? RequestCopy { get; private set; }

    /// <summary>True when the request may carry a body (by its framing, or a positive Content-Length).</summary>
    public static bool HasBody(HttpContext context) =>
        context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? context.Request.ContentLength > 0;

    /// <summary>The body read in full (<see cref="CappedBuffer.ReadAsync"/>): the primary (and a second attempt) read it from memory.</summary>
    public void KeepWholeBody(CappedBuffer body)
    {
        RequestCopy = body;
        context.Request.Body = BufferedBody.Open(body);
    }

    /// <summary>The body copied, up to <paramref name="maxBytes"/>, as the primary reads it: nothing is read ahead.</summary>
    public void TeeBody(long maxBytes)
    {
        RequestCopy = new CappedBuffer(maxBytes);
        _tee = new RequestBodyTee(_requestBody, RequestCopy);
        context.Request.Body = _tee;
    }

    /// <summary>For a shadow: the primary's upstream request (filled by the route's last transform) and its response, up to <paramref name="maxBytes"/>.</summary>
    public void CaptureForShadow(long maxBytes)
    {
        context.Features.Set(new UpstreamRequestCapture());
        CaptureResponse(maxBytes);
    }

    /// <summary>A write-through copy of the primary's response body, up to <paramref name="maxBytes"/>.</summary>
    public void CaptureResponse(long maxBytes)
    {
        _responseCopy = new CappedBuffer(maxBytes);
        context.Features.Set<IHttpResponseBodyFeature>(new ResponseCapture(_responseBody, _responseCopy));
    }

    /// <summary>The copy of the response body while it is still this capture's, or null.</summary>
    public readonly CappedBuffer? ResponseCopy => _responseCopy;

    /// <summary>True unless the body copy overflowed, or the primary stopped reading before the end: then it is not the whole body.</summary>
    public readonly bool RequestCopyIsWhole =>
        RequestCopy is null
        || (!RequestCopy.Overflowed && (_tee is null || _tee.Completed || RequestCopy.TotalBytes == context.Request.ContentLength));

    /// <summary>Puts the client's request body and response stream back.</summary>
    public readonly void Restore()
    {
        context.Features.Set(_responseBody);
        context.Request.Body = _requestBody;
    }

    /// <summary>The primary's response as the comparison sees it (the copy now belongs to it), or its failure.</summary>
    public CapturedResponse TakePrimaryResponse(TimeSpan elapsed)
    {
        var body = _responseCopy!;
        _responseCopy = null;
        if (context.Features.Get<IForwarderErrorFeature>() is { } error)
        {
            body.Dispose();
            return CapturedResponse.Failed(error.Error == ForwarderError.RequestTimedOut ? BackendFailure.Timeout : BackendFailure.ConnectionError, elapsed, error.Error.ToString());
        }

        return new CapturedResponse(context.Response.StatusCode, HeaderList.Copy(context.Response.Headers), body, elapsed);
    }

    /// <summary>The request copy, for whoever sends it on (the shadow); <see cref="Release"/> no longer releases it.</summary>
    public CappedBuffer? TakeRequestCopy()
    {
        var copy = RequestCopy;
        RequestCopy = null;
        return copy;
    }

    /// <summary>Releases the copies not taken.</summary>
    public void Release()
    {
        RequestCopy?.Dispose();
        RequestCopy = null;
        _responseCopy?.Dispose();
        _responseCopy = null;
    }
}
