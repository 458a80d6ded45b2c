using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ShadowCtl.Api;

/// <summary>An answer of the admin API kept as text, so that <c>--json</c> can print exactly what the server said.</summary>
internal sealed record AdminResponse(string Text)
{
    public T Read<T>() => JsonSerializer.Deserialize<T>(Text, AdminClient.JsonOptions)
        ?? throw new InvalidDataException($"The admin API answered 'null' where a {typeof(T).Name} was expected.");
}

/// <summary>
/// A thin HTTP client of the admin API (docs/admin-api.md): bearer key, JSON bodies, and every failure turned
/// into <see cref="AdminApiException"/> or <see cref="ServerUnreachableException"/> for the exit code.
/// </summary>
internal sealed class AdminClient : IDisposable
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http;

    public AdminClient(Uri server, string? key, HttpMessageHandler? handler = null)
    {
        Server = server;

        // A short connect timeout: an unreachable server should be reported in seconds, not after the OS gives up.
        _http = handler is null
            ? new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) })
            : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = server;
        _http.Timeout = RequestTimeout;
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("shadowctl", typeof(AdminClient).Assembly.GetName().Version?.ToString(3)));
        if (!string.IsNullOrEmpty(key))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
    }

    public Uri Server { get; }

    public Task<AdminResponse> GetAsync(string pathAndQuery, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, pathAndQuery, body: null, cancellationToken);

    public Task<AdminResponse> PostAsync(string pathAndQuery, object? body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, pathAndQuery, body, cancellationToken);

    public Task<AdminResponse> DeleteAsync(string pathAndQuery, object? body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, pathAndQuery, body, cancellationToken);

    public async Task<AdminResponse> SendAsync(HttpMethod method, string pathAndQuery, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, pathAndQuery.TrimStart('/'));
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body, JsonOptions), Encoding.UTF8, "application/json");
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new ServerUnreachableException(Server, Describe(ex), ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient reports its own timeout as a cancellation; the caller did not cancel.
            throw new ServerUnreachableException(Server, $"no answer within {RequestTimeout.TotalSeconds:0} s", ex);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new AdminApiException(response.StatusCode, ProblemDetail(text, response));
            }

            return new AdminResponse(text);
        }
    }

    public void Dispose() => _http.Dispose();

    private static string Describe(HttpRequestException ex) =>
        ex.InnerException is SocketException socket ? socket.Message : ex.Message;

    /// <summary>The problem+json <c>detail</c>, else its <c>title</c>, else whatever text the server sent.</summary>
    private static string ProblemDetail(string text, HttpResponseMessage response)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var name in (ReadOnlySpan<string>)["detail", "title"])
                {
                    if (document.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } message)
                    {
                        return message;
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not problem+json (e.g. a load balancer's HTML page): fall back to the text itself.
        }

        var plain = text.Trim();
        return plain.Length is > 0 and <= 500 ? plain : response.ReasonPhrase ?? "no detail given";
    }
}
