using System.Net;
using ShadowProxy.Core.Cohort;
using ShadowProxy.Core.Configuration;

namespace ShadowProxy.Proxy;

/// <summary>Reads a request's cohort key per <see cref="CohortOptions"/> and maps it to a bucket.</summary>
internal static class CohortSelector
{
    public static int Bucket(HttpContext context, string migration, CohortOptions cohort)
    {
        switch (cohort.Source)
        {
            case CohortSourceKind.Header:
                var header = context.Request.Headers[cohort.Name!];
                if (header.Count > 0 && !string.IsNullOrEmpty(header[0]))
                {
                    return CohortHasher.Bucket(migration, header[0]);
                }

                break;
            case CohortSourceKind.Cookie:
                if (context.Request.Cookies.TryGetValue(cohort.Name!, out var cookie) && !string.IsNullOrEmpty(cookie))
                {
                    return CohortHasher.Bucket(migration, cookie);
                }

                break;
            case CohortSourceKind.ClientIp:
                if (context.Connection.RemoteIpAddress is { } address)
                {
                    return BucketOf(migration, address);
                }

                break;
        }

        // No key: a random bucket, as SPEC §3 says; such requests are not sticky.
        return Random.Shared.Next(CohortHasher.BucketCount);
    }

    private static int BucketOf(string migration, IPAddress address)
    {
        Span<char> text = stackalloc char[64];
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return address.TryFormat(text, out var written)
            ? CohortHasher.Bucket(migration, text[..written])
            : CohortHasher.Bucket(migration, address.ToString());
    }
}
