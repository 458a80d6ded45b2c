using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ShadowProxy.Tests.Hardening;

/// <summary>What a <see cref="FaultBackend"/> does with the next request it reads.</summary>
public enum Fault
{
    /// <summary>A well-formed 200 JSON answer (the same body as the legacy side of the hardening tests).</summary>
    None,

    /// <summary>The well-formed answer after <see cref="FaultBackend.Delay"/>.</summary>
    Delay,

    /// <summary>Reads the request, never answers, keeps the connection open.</summary>
    Hang,

    /// <summary>Half a status line and header block, then a TCP reset.</summary>
    ResetMidHeaders,

    /// <summary>Complete headers (Content-Length 10000), 100 bytes of body, then a TCP reset.</summary>
    ResetMidBody,

    /// <summary>Bytes that are not HTTP at all (an SSH banner and binary noise), then close.</summary>
    NotHttp,

    /// <summary>Content-Length 2 GiB, streamed until the peer goes away (or a time bound).</summary>
    HugeBody,

    /// <summary>Content-Encoding: gzip of hundreds of MB of zeros; small on the wire (precomputed once).</summary>
    GzipBomb,

    /// <summary>200 application/json whose body does not parse.</summary>
    InvalidJson,

    /// <summary>A status line followed by 1 MiB of headers.</summary>
    HugeHeaders,

    /// <summary>A chunked 200 whose first chunk is sent, then the connection is closed (FIN, no terminating chunk).</summary>
    PartialChunked,
}

/// <summary>
/// A raw TCP backend on 127.0.0.1 (Kestrel cannot send bytes that are not HTTP): reads a request's head
/// (and a Content-Length or chunked body), records it, and answers as <see cref="Fault"/> says. The fault
/// can be changed by the test at any time; it applies to requests read afterwards.
/// </summary>
public sealed class FaultBackend : IAsyncDisposable
{
    public const long HugeBodyLength = 2L * 1024 * 1024 * 1024;

    /// <summary>Decoded size of the gzip bomb.</summary>
    public const long BombDecodedBytes = 256L * 1024 * 1024;

    private static readonly Lazy<byte[]> Bomb = new(BuildBomb);

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, byte> _connections = new();
    private readonly Task _acceptLoop;
    private long _hugeBodyBytesSent;
    private volatile Fault _fault;

    private FaultBackend()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(512);
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _acceptLoop = AcceptLoopAsync();
    }

    public Uri Address { get; }

    /// <summary>How the next requests are answered; a test may change it while requests are in flight.</summary>
    public Fault Fault
    {
        get => _fault;
        set => _fault = value;
    }

    /// <summary>How long <see cref="Fault.Delay"/> waits before answering.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Upper bound on how long one <see cref="Fault.HugeBody"/> or <see cref="Fault.Hang"/> connection is kept going.</summary>
    public TimeSpan StreamBound { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Request heads read (method and target line, then headers), in arrival order.</summary>
    public ConcurrentQueue<ReceivedHead> Requests { get; } = new();

    /// <summary>Body bytes written by all <see cref="Fault.HugeBody"/> answers so far.</summary>
    public long HugeBodyBytesSent => Interlocked.Read(ref _hugeBodyBytesSent);

    /// <summary>The bytes a <see cref="Fault.GzipBomb"/> answer carries.</summary>
    public static byte[] BombBytes => Bomb.Value;

    /// <summary>The body of <see cref="Fault.None"/> for <paramref name="path"/>; tests give the legacy backend the same one.</summary>
    public static string NormalBody(string path) => $$"""{"order":"{{path}}","total":12.5}""";

    public static Task<FaultBackend> StartAsync(Fault fault = Fault.None)
    {
        // Warm the bomb outside the connection handlers: the first bomb answer must not take seconds.
        if (fault == Fault.GzipBomb)
        {
            _ = Bomb.Value;
        }

        return Task.FromResult(new FaultBackend { Fault = fault });
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
                _connections[socket] = 0;
                _ = Task.Run(() => ServeAsync(socket));
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
        catch (SocketException)
        {
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var reader = new HeadReader(socket);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var head = await reader.ReadRequestAsync(_stop.Token).ConfigureAwait(false);
                if (head is null)
                {
                    return;
                }

                Requests.Enqueue(head);
                if (!await AnswerAsync(socket, head, Fault).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer went away, or we are stopping.
        }
        finally
        {
            _connections.TryRemove(socket, out _);
            socket.Dispose();
        }
    }

    /// <returns>True when the connection may serve another request.</returns>
    private async Task<bool> AnswerAsync(Socket socket, ReceivedHead head, Fault fault)
    {
        var token = _stop.Token;
        switch (fault)
        {
            case Fault.None:
                await SendAsync(socket, Response(200, "application/json", NormalBody(head.Path)), token).ConfigureAwait(false);
                return true;
            case Fault.Delay:
                await Task.Delay(Delay, token).ConfigureAwait(false);
                await SendAsync(socket, Response(200, "application/json", NormalBody(head.Path)), token).ConfigureAwait(false);
                return true;
            case Fault.Hang:
                await WaitForPeerToLeaveAsync(socket).ConfigureAwait(false);
                return false;
            case Fault.ResetMidHeaders:
                await SendAsync(socket, Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: appl"), token).ConfigureAwait(false);
                Reset(socket);
                return false;
            case Fault.ResetMidBody:
                await SendAsync(socket, Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n"), token).ConfigureAwait(false);
                await SendAsync(socket, Encoding.ASCII.GetBytes("{\"order\":\"" + new string('x', 90)), token).ConfigureAwait(false);
                await Task.Delay(50, token).ConfigureAwait(false);
                Reset(socket);
                return false;
            case Fault.NotHttp:
                var noise = new byte[4096];
                new Random(7).NextBytes(noise);
                await SendAsync(socket, (byte[])[.. "SSH-2.0-OpenSSH_9.6\r\n"u8, .. noise], token).ConfigureAwait(false);
                socket.Shutdown(SocketShutdown.Send);
                return false;
            case Fault.HugeBody:
                await StreamHugeBodyAsync(socket).ConfigureAwait(false);
                return false;
            case Fault.GzipBomb:
                await SendAsync(socket, Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: {Bomb.Value.Length}\r\n\r\n"), token).ConfigureAwait(false);
                await SendAsync(socket, Bomb.Value, token).ConfigureAwait(false);
                return true;
            case Fault.InvalidJson:
                await SendAsync(socket, Response(200, "application/json", """{"order": [1, 2,, "unterminated"""), token).ConfigureAwait(false);
                return true;
            case Fault.HugeHeaders:
                await SendHugeHeadersAsync(socket, token).ConfigureAwait(false);
                return false;
            case Fault.PartialChunked:
                await SendAsync(socket, Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n{\"partial\":\r\n"), token).ConfigureAwait(false);
                await Task.Delay(50, token).ConfigureAwait(false);
                socket.Shutdown(SocketShutdown.Both);
                return false;
            default:
                throw new InvalidOperationException(fault.ToString());
        }
    }

    private async Task StreamHugeBodyAsync(Socket socket)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        bound.CancelAfter(StreamBound);
        await SendAsync(socket, Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {HugeBodyLength}\r\n\r\n"), bound.Token).ConfigureAwait(false);
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)'z');
        for (long sent = 0; sent < HugeBodyLength; sent += chunk.Length)
        {
            // Fails (reset, broken pipe) once the peer stops reading and closes; then we are done.
            await SendAsync(socket, chunk, bound.Token).ConfigureAwait(false);
            Interlocked.Add(ref _hugeBodyBytesSent, chunk.Length);
        }
    }

    private static async Task SendHugeHeadersAsync(Socket socket, CancellationToken token)
    {
        await SendAsync(socket, Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"), token).ConfigureAwait(false);
        var line = Encoding.ASCII.GetBytes("X-Fill: " + new string('h', 1000) + "\r\n");
        for (var i = 0; i < 1024; i++)
        {
            await SendAsync(socket, line, token).ConfigureAwait(false);
        }

        await SendAsync(socket, Encoding.ASCII.GetBytes("Content-Length: 2\r\n\r\n{}"), token).ConfigureAwait(false);
    }

    private async Task WaitForPeerToLeaveAsync(Socket socket)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        bound.CancelAfter(StreamBound);
        var buffer = new byte[1024];
        while (await socket.ReceiveAsync(buffer, SocketFlags.None, bound.Token).ConfigureAwait(false) > 0)
        {
        }
    }

    private static byte[] Response(int status, string contentType, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var head = $"HTTP/1.1 {status} OK\r\nContent-Type: {contentType}\r\nContent-Length: {bytes.Length}\r\n\r\n";
        return [.. Encoding.ASCII.GetBytes(head), .. bytes];
    }

    private static async Task SendAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken token)
    {
        while (!data.IsEmpty)
        {
            var sent = await socket.SendAsync(data, SocketFlags.None, token).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    /// <summary>RST rather than FIN: linger on with a zero timeout, then close.</summary>
    private static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    private static byte[] BuildBomb()
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i < BombDecodedBytes / zeros.Length; i++)
            {
                gzip.Write(zeros);
            }
        }

        return output.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var socket in _connections.Keys)
        {
            try
            {
                socket.Dispose();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    /// <summary>Reads request heads and skips their bodies from one connection, keeping what was read past a head.</summary>
    private sealed class HeadReader(Socket socket)
    {
        private const int MaxHead = 1024 * 1024;
        private readonly byte[] _buffer = new byte[64 * 1024];
        private readonly MemoryStream _pending = new();

        public async Task<ReceivedHead?> ReadRequestAsync(CancellationToken token)
        {
            int end;
            while ((end = IndexOfHeadEnd(_pending)) < 0)
            {
                if (_pending.Length > MaxHead || !await FillAsync(token).ConfigureAwait(false))
                {
                    return null;
                }
            }

            var all = _pending.ToArray();
            var text = Encoding.Latin1.GetString(all, 0, end);
            Consume(end + 4);
            var lines = text.Split("\r\n");
            var parts = lines[0].Split(' ');
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in lines.Skip(1))
            {
                var colon = line.IndexOf(':');
                if (colon > 0)
                {
                    headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                }
            }

            var target = parts.Length > 1 ? parts[1] : "/";
            var query = target.IndexOf('?');
            var head = new ReceivedHead(parts[0], query < 0 ? target : target[..query], headers);
            if (headers.TryGetValue("Content-Length", out var length) && long.TryParse(length, out var bytes))
            {
                await SkipAsync(bytes, token).ConfigureAwait(false);
            }
            else if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                await SkipChunkedAsync(token).ConfigureAwait(false);
            }

            return head;
        }

        private async Task SkipAsync(long bytes, CancellationToken token)
        {
            while (bytes > 0)
            {
                if (_pending.Length == 0 && !await FillAsync(token).ConfigureAwait(false))
                {
                    throw new IOException("The body ended early.");
                }

                var take = (int)Math.Min(bytes, _pending.Length);
                Consume(take);
                bytes -= take;
            }
        }

        private async Task SkipChunkedAsync(CancellationToken token)
        {
            while (true)
            {
                int lineEnd;
                while ((lineEnd = IndexOf(_pending, "\r\n"u8)) < 0)
                {
                    if (!await FillAsync(token).ConfigureAwait(false))
                    {
                        throw new IOException("The chunked body ended early.");
                    }
                }

                var sizeText = Encoding.ASCII.GetString(_pending.GetBuffer(), 0, lineEnd).Split(';')[0];
                Consume(lineEnd + 2);
                var size = Convert.ToInt64(sizeText, 16);
                if (size == 0)
                {
                    // Trailers (none expected) end with an empty line.
                    await SkipAsync(2, token).ConfigureAwait(false);
                    return;
                }

                await SkipAsync(size + 2, token).ConfigureAwait(false);
            }
        }

        private async Task<bool> FillAsync(CancellationToken token)
        {
            var read = await socket.ReceiveAsync(_buffer, SocketFlags.None, token).ConfigureAwait(false);
            if (read == 0)
            {
                return false;
            }

            _pending.Write(_buffer, 0, read);
            return true;
        }

        private void Consume(int count)
        {
            var rest = _pending.ToArray().AsSpan(count).ToArray();
            _pending.SetLength(0);
            _pending.Write(rest);
        }

        private static int IndexOfHeadEnd(MemoryStream stream) => IndexOf(stream, "\r\n\r\n"u8);

        private static int IndexOf(MemoryStream stream, ReadOnlySpan<byte> value) =>
            stream.GetBuffer().AsSpan(0, (int)stream.Length).IndexOf(value);
    }
}

/// <summary>A request head as a <see cref="FaultBackend"/> read it.</summary>
public sealed record ReceivedHead(string Method, string Path, IReadOnlyDictionary<string, string> Headers)
{
    public bool IsShadow => Headers.TryGetValue("X-Shadow-Request", out var value) && value == "true";
}
