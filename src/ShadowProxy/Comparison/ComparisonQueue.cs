using System.Net.Http.Headers;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Hosting;
using ShadowProxy.Shadow;

namespace ShadowProxy.Comparison;

/// <summary>
/// The bounded hand-off from shadow calls to the comparison workers. When the workers fall behind,
/// new pairs are dropped and counted rather than queued without limit.
/// </summary>
internal sealed class ComparisonQueue
{
    public const int Capacity = 2048;

    // Written by shadow completions (often the socket thread), read by low-priority comparison threads.
    private readonly HandOffQueue<ShadowExchange> _queue = new(Capacity);

    private readonly TimeProvider _time;

    public ComparisonQueue(TimeProvider time) => _time = time;

    public HandOffQueue<ShadowExchange> Pending => _queue;

    /// <summary>Observers of every shadow call that ended without a response to compare: migration, method, route template, path, backend, failure.</summary>
    public event Action<string, string, string?, string, Backend, CapturedResponse>? ShadowFailed;

    /// <param name="probeResponse">The noise probe's second legacy answer, when the call carried a probe.</param>
    public void Enqueue(ShadowDispatcher.ShadowCall call, CapturedResponse shadowResponse, CapturedResponse? probeResponse = null)
    {
        var exchange = new ShadowExchange
        {
            Migration = call.Migration.Name,
            RouteTemplate = call.RouteTemplate,
            Method = call.Message.Method.Method,
            Path = call.Path,
            Query = call.Query,
            RequestHeaders = RequestHeaders(call.Message),
            RequestBody = call.RequestBody,
            Primary = call.Primary,
            Legacy = call.Primary == Backend.Legacy ? call.PrimaryResponse : shadowResponse,
            Candidate = call.Primary == Backend.Legacy ? shadowResponse : call.PrimaryResponse,
            Probe = probeResponse,
            Timestamp = _time.GetUtcNow(),
            TraceId = call.ClientActivity.TraceId == default ? null : call.ClientActivity.TraceId.ToString(),
        };

        if (!_queue.TryEnqueue(exchange))
        {
            call.Migration.Metrics.ComparisonsDropped.Inc();
            exchange.Dispose();
        }
    }

    public void RecordShadowFailure(ShadowDispatcher.ShadowCall call, Backend backend, CapturedResponse failure)
    {
        ShadowFailed?.Invoke(call.Migration.Name, call.Message.Method.Method, call.RouteTemplate, call.Path, backend, failure);
        failure.Dispose();
    }

    /// <summary>
    /// The shadow request's headers, read only when something asks (a stored sample): most
    /// comparisons never need them, so they are not copied per request.
    /// </summary>
    private static IReadOnlyList<KeyValuePair<string, string>> RequestHeaders(HttpRequestMessage message) =>
        new LazyHeaders(message.Headers, message.Content?.Headers);

    private sealed class LazyHeaders(HttpHeaders headers, HttpHeaders? contentHeaders) : IReadOnlyList<KeyValuePair<string, string>>
    {
        private List<KeyValuePair<string, string>>? _list;

        private List<KeyValuePair<string, string>> List => _list ??= HeaderList.Copy(headers, contentHeaders);

        public int Count => List.Count;

        public KeyValuePair<string, string> this[int index] => List[index];

        public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => List.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
