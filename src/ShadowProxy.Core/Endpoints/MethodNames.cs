namespace ShadowProxy.Core.Endpoints;

/// <summary>
/// The endpoint names of one path template, one per method (<c>GET /api/orders/{id}</c>), made once and found again
/// without allocating. Copy-on-write: a handful of methods per template, at most <see cref="MaxMethods"/> kept.
/// </summary>
internal sealed class MethodNames
{
    public const int MaxMethods = 16;

    private (string Method, string Name)[] _names = [];

    /// <summary>The name of <paramref name="method"/> and <paramref name="path"/>; <paramref name="same"/> when it reads the same.</summary>
    public string For(ReadOnlySpan<char> method, string path, string? same = null)
    {
        var names = Volatile.Read(ref _names);
        foreach (var (known, name) in names)
        {
            if (method.SequenceEqual(known))
            {
                return name;
            }
        }

        var created = same is not null && same.Length == method.Length + 1 + path.Length && same.AsSpan(method.Length + 1).SequenceEqual(path)
            ? same
            : string.Concat(method, " ", path);
        if (names.Length < MaxMethods)
        {
            Interlocked.CompareExchange(ref _names, [.. names, (method.ToString(), created)], names);
        }

        return created;
    }
}
