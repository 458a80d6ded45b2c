using System.Net;
using ShadowProxy.Core.Cohort;
using ShadowProxy.Core.Comparison;
using ShadowProxy.Core.Configuration;
using ShadowProxy.Migrations;
using ShadowProxy.Outcomes;
using Yarp.ReverseProxy;

namespace ShadowProxy.Proxy;

/// <summary>
/// The first step of a migrated request: its primary backend, by its cohort bucket (the request's cohort key per
/// <see cref="CohortOptions"/>) against the snapshot's weight, and the candidate's breaker.
/// </summary>
internal sealed class CohortSelector(IProxyStateLookup proxyState, OutcomeRecorder outcomes)
{
    /// <summary>The candidate when the request's cohort bucket is below the weight (and its breaker is closed), else legacy.</summary>
    public Backend ChoosePrimary(HttpContext context, MigrationRuntime migration, MigrationSnapshot snapshot)
    {
        if (Bucket(context, migration.Name, snapshot.Options.Cohort) >= snapshot.Threshold)
        {
            return Backend.Legacy;
        }

        if (migration.Failover is { IsOpen: true })
        {
            // Breaker open: candidate-chosen traffic stays on legacy, and counts against the candidate.
            outcomes.CandidateBreakerOpen(migration);
            return Backend.Legacy;
        }

        // The candidate's cluster: its load balancing, health checks and HttpClient apply from here on (YARP's steps after this one).
        if (snapshot.CandidateClusterId is not { } clusterId || !proxyState.TryGetCluster(clusterId, out var candidate))
        {
            return Backend.Legacy;
        }

        context.ReassignProxyRequest(candidate);
        return Backend.Candidate;
    }

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

        // No key: a random bucket, as docs/configuration.md#cohort says; such requests are not sticky.
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
