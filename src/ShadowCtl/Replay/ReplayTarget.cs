using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using ShadowProxy.Core.Buffers;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Redaction;
using ShadowProxy.Core.Replay;

namespace ShadowCtl.Replay;

/// <summary>
/// Sends recorded requests to the build under test and captures its answers as the proxy captures a shadow's:
/// no redirects, no cookies, no automatic decompression, the body read up to a cap.
/// </summary>
internal sealed class ReplayTarget : IDisposable
{
    /// <summary>Methods replayed without <c>--include-writes</c>: those that change nothing (the noise probe's safe methods, docs/comparison.md#the-noise-probe).</summary>
    public static readonly IReadOnlySet<string> SafeMethods = new HashSet<string>(["GET", "HEAD", "OPTIONS"], StringComparer.OrdinalIgnoreCase);

    private readonly HttpMessageInvoker _http;
    private readonly string _origin;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _extraHeaders;
    private readonly TimeSpan _timeout;
    private readonly long _maxBodyBytes;

    /// <param name="extraHeaders">Sent with every request, replacing recorded headers of the same name (credentials that redaction removed).</param>
    public ReplayTarget(Uri target, IReadOnlyList<KeyValuePair<string, string>> extraHeaders, int concurrency, TimeSpan timeout, long maxBodyBytes, HttpMessageHandler? handler = null)
    {
        Address = target;

        // A target with a path (http://host/v2) prefixes every recorded path.
        _origin = target.GetLeftPart(UriPartial.Path).TrimEnd('/');
        _extraHeaders = extraHeaders;
        _timeout = timeout;
        _maxBodyBytes = maxBodyBytes;
        _http = handler is not null
            ? new HttpMessageInvoker(handler, disposeHandler: false)
            : new HttpMessageInvoker(new SocketsHttpHandler
            {
                UseProxy = false,
                AllowAutoRedirect = false,
                UseCookies = false,
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                MaxConnectionsPerServer = concurrency,
            });
    }

    public Uri Address { get; }

    /// <summary>The target's answer to <paramref name="exchange"/>'s request; a failure to answer is a failed capture, never an exception.</summary>
    public async Task<CapturedResponse> SendAsync(RecordedExchange exchange, CancellationToken cancellationToken)
    {
        using var request = Build(exchange);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            var headers = new List<KeyValuePair<string, string>>();
            Add(headers, response.Headers);
            Add(headers, response.Content.Headers);
            using var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            var body = await CappedBuffer.ReadAsync(stream, _maxBodyBytes, stopWhenFull: true, timeout.Token).ConfigureAwait(false);
            return new CapturedResponse((int)response.StatusCode, headers, body, Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return CapturedResponse.Failed(BackendFailure.Timeout, Stopwatch.GetElapsedTime(started), $"no answer within {_timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            var failure = ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError || ex.InnerException is SocketException
                ? BackendFailure.ConnectionError
                : BackendFailure.ProtocolError;
            return CapturedResponse.Failed(failure, Stopwatch.GetElapsedTime(started), ex.InnerException?.Message ?? ex.Message);
        }
        catch (IOException ex)
        {
            return CapturedResponse.Failed(BackendFailure.ProtocolError, Stopwatch.GetElapsedTime(started), ex.Message);
        }
    }

    public void Dispose() => _http.Dispose();

    private HttpRequestMessage Build(RecordedExchange exchange)
    {
        var recorded = exchange.Request;
        var request = new HttpRequestMessage(new HttpMethod(recorded.Method), _origin + recorded.Path + recorded.Query);
        var body = ReplayJudge.BodyBytes(recorded.Body);
        if (body.Length > 0)
        {
            request.Content = new ByteArrayContent(body);
        }

        foreach (var (name, value) in recorded.Headers)
        {
            // A masked value is no credential: the target gets the header only when --header puts it back.
            if (RecordedExchange.IsTransportHeader(name) || value == Redactor.Mask || _extraHeaders.Any(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            AddHeader(request, name, value);
        }

        foreach (var (name, value) in _extraHeaders)
        {
            AddHeader(request, name, value);
        }

        // A replayed request is a shadow copy: a candidate that spares side effects for shadows does so here too.
        request.Headers.TryAddWithoutValidation("X-Shadow-Request", "true");
        return request;
    }

    private static void AddHeader(HttpRequestMessage request, string name, string value)
    {
        if (!request.Headers.TryAddWithoutValidation(name, value))
        {
            request.Content?.Headers.TryAddWithoutValidation(name, value);
        }
    }

    private static void Add(List<KeyValuePair<string, string>> list, HttpHeaders headers)
    {
        foreach (var header in headers)
        {
            list.Add(KeyValuePair.Create(header.Key, string.Join(", ", header.Value)));
        }
    }
}
