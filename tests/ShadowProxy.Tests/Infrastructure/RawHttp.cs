using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ShadowProxy.Tests.Infrastructure;

/// <summary>An HTTP/1.1 answer read off a raw socket.</summary>
public sealed record RawAnswer(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// HTTP/1.1 spoken by hand on a socket, for requests no well-behaved client library sends as written
/// (spoofed hop-by-hop headers, literal dot-segments, odd framing).
/// </summary>
public static class RawHttp
{
    /// <summary>
    /// Sends <paramref name="head"/> (request line and headers, without the blank line) and <paramref name="body"/>,
    /// and reads one answer (by its Content-Length or chunked framing, else until the server closes). No
    /// <c>Connection: close</c> is added: Kestrel keeps only "close" of a Connection header that says it.
    /// </summary>
    public static async Task<RawAnswer> SendAsync(Uri server, string head, byte[]? body = null)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, server.Port);
        await socket.SendAsync(Encoding.Latin1.GetBytes(head.TrimEnd('\r', '\n') + "\r\n\r\n"));
        if (body is not null)
        {
            await socket.SendAsync(body);
        }

        var answer = new StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[16 * 1024];
        int read;
        while (!IsComplete(answer.ToString()) && (read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
        {
            answer.Append(Encoding.Latin1.GetString(buffer, 0, read));
        }

        return Parse(answer.ToString());
    }

    private static bool IsComplete(string text)
    {
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }

        var head = text[..end];
        var length = System.Text.RegularExpressions.Regex.Match(head, @"\r\nContent-Length:\s*(\d+)", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        if (length.Success)
        {
            return text.Length - end - 4 >= int.Parse(length.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        return System.Text.RegularExpressions.Regex.IsMatch(head, @"\r\nTransfer-Encoding:\s*chunked", System.Text.RegularExpressions.RegexOptions.IgnoreCase)
            ? text.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal)
            : head.StartsWith("HTTP/1.1 204", StringComparison.Ordinal) || head.StartsWith("HTTP/1.1 304", StringComparison.Ordinal);
    }

    public static RawAnswer Parse(string text)
    {
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(end > 0, "no complete answer head: " + text);
        var lines = text[..end].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var (name, value) = (line[..colon], line[(colon + 1)..].Trim());
            headers[name] = headers.TryGetValue(name, out var earlier) ? earlier + ", " + value : value;
        }

        var body = text[(end + 4)..];
        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Dechunk(body);
        }

        return new RawAnswer(status, headers, body);
    }

    private static string Dechunk(string body)
    {
        var result = new StringBuilder();
        var position = 0;
        while (true)
        {
            var lineEnd = body.IndexOf("\r\n", position, StringComparison.Ordinal);
            var size = Convert.ToInt32(body[position..lineEnd].Split(';')[0], 16);
            if (size == 0)
            {
                return result.ToString();
            }

            result.Append(body, lineEnd + 2, size);
            position = lineEnd + 2 + size + 2;
        }
    }
}
