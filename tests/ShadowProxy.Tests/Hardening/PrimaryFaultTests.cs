using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ShadowProxy.Tests.Infrastructure;
using static ShadowProxy.Tests.Hardening.HardeningKit;

namespace ShadowProxy.Tests.Hardening;

/// <summary>What a client sees when the candidate serves it (weight 100) and fails.</summary>
public enum ClientSees
{
    /// <summary>The candidate's own well-formed answer.</summary>
    CandidateAnswer,

    /// <summary>Failover: the candidate failed before a status line reached the proxy; legacy answered.</summary>
    LegacyAnswer,

    /// <summary>Status and headers were already on the wire: the proxy aborts the client's response (a reset, not a short "complete" body).</summary>
    Aborted,

    /// <summary>A well-framed HTTP answer: the proxy passes it through byte for byte, as the candidate sent it.</summary>
    PassedThrough,

    /// <summary>Status and headers passed through, the body streams as it comes; the client may stop reading at any time.</summary>
    Streamed,
}

/// <summary>
/// docs/configuration.md#failover failover under faults of the primary: the candidate serves every request (weight 100,
/// Failover on, Candidate:Timeout 1 s). A fault before the status line fails over to legacy; once the
/// headers went to the client there is nothing to fail over to and the response is aborted; a
/// well-framed answer (even a bomb or invalid JSON) is the candidate's to give. Every failure counts
/// against the candidate, and repeated failures roll the migration back automatically.
/// </summary>
public sealed class PrimaryFaultTests
{
    private const int Requests = 3;
    private const int StreamedBytesRead = 8 * 1024 * 1024;

    public static TheoryData<Fault, ClientSees> Table => new()
    {
        { Fault.None, ClientSees.CandidateAnswer },
        { Fault.Delay, ClientSees.LegacyAnswer },           // 2 s silence > 1 s Candidate:Timeout: YARP times out before any byte
        { Fault.Hang, ClientSees.LegacyAnswer },
        { Fault.ResetMidHeaders, ClientSees.LegacyAnswer }, // no complete status line: nothing was sent to the client yet
        { Fault.NotHttp, ClientSees.LegacyAnswer },
        { Fault.HugeHeaders, ClientSees.LegacyAnswer },     // over the forwarder's 64 KB response header limit
        { Fault.ResetMidBody, ClientSees.Aborted },         // 200 + Content-Length 10000 already forwarded, then 100 bytes
        { Fault.PartialChunked, ClientSees.Aborted },       // 200 + first chunk forwarded, no last chunk
        { Fault.HugeBody, ClientSees.Streamed },            // 2 GiB streams through, never buffered
        { Fault.GzipBomb, ClientSees.PassedThrough },       // the proxy never decodes what it forwards
        { Fault.InvalidJson, ClientSees.PassedThrough },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public async Task What_a_client_sees_when_the_candidate_fails_as_primary(Fault fault, ClientSees expected)
    {
        await using var legacy = await StartLegacyAsync();
        await using var candidate = await FaultBackend.StartAsync(fault);
        await using var proxy = await TestProxy.StartAsync(CandidatePrimary(legacy.Address, candidate.Address));
        var heapBefore = ManagedMiB();

        for (var i = 0; i < Requests; i++)
        {
            var path = $"/api/orders/{i}";
            using var response = await SendAsync(proxy, path);
            if (response is null)
            {
                Assert.Equal(ClientSees.Aborted, expected);
                continue;
            }

            var (body, error) = await ReadBoundedAsync(response);
            switch (expected)
            {
                case ClientSees.CandidateAnswer:
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    Assert.False(response.Headers.Contains("X-Backend"));
                    Assert.Equal(FaultBackend.NormalBody(path), Encoding.UTF8.GetString(body));
                    break;
                case ClientSees.LegacyAnswer:
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    Assert.Equal("legacy", response.Headers.GetValues("X-Backend").Single());
                    Assert.Equal(FaultBackend.NormalBody(path), Encoding.UTF8.GetString(body));
                    break;
                case ClientSees.Aborted:
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    Assert.NotNull(error);
                    Assert.True(body.Length < 10_000, "a short body must never look complete");
                    break;
                case ClientSees.PassedThrough when fault == Fault.GzipBomb:
                    Assert.Equal("gzip", response.Content.Headers.ContentEncoding.Single());
                    Assert.Equal(FaultBackend.BombBytes, body);
                    break;
                case ClientSees.PassedThrough:
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    Assert.Equal("""{"order": [1, 2,, "unterminated""", Encoding.UTF8.GetString(body));
                    break;
                case ClientSees.Streamed:
                    Assert.Equal(FaultBackend.HugeBodyLength, response.Content.Headers.ContentLength);
                    Assert.Equal(StreamedBytesRead, body.Length);
                    break;
            }

            if (expected is not (ClientSees.Aborted or ClientSees.Streamed))
            {
                Assert.Null(error);
            }
        }

        var failedOver = expected == ClientSees.LegacyAnswer ? Requests : 0;
        var candidateFailed = expected is ClientSees.LegacyAnswer or ClientSees.Aborted ? Requests : 0;
        await Eventually.True(() => proxy.Served("candidate", "error") == candidateFailed, $"{candidateFailed} candidate errors counted");
        Assert.Equal(failedOver, proxy.Metrics().Failovers.WithLabels(Migration).Value);
        Assert.Equal(failedOver, proxy.Served("legacy", "2xx"));
        Assert.Equal(failedOver, legacy.Requests.Count);
        await Eventually.True(() => proxy.Served("candidate", "2xx") == Requests - candidateFailed, "the candidate's answers counted");
        await proxy.AssertHealthyAsync();
        var heapAfter = ManagedMiB();
        Assert.True(heapAfter - heapBefore < 128, $"managed heap grew from {heapBefore} to {heapAfter} MiB");
    }

    [Theory]
    [InlineData(Fault.NotHttp)]
    [InlineData(Fault.ResetMidBody)]
    public async Task Repeated_candidate_faults_roll_the_migration_back_automatically(Fault fault)
    {
        await using var legacy = await StartLegacyAsync();
        await using var candidate = await FaultBackend.StartAsync(fault);
        var config = CandidatePrimary(legacy.Address, candidate.Address);
        config[Prefix + "Ramp:AutomaticRollback"] = "true";
        config[Prefix + "Ramp:Gates:Window"] = "00:00:30";
        config[Prefix + "Ramp:Gates:MinSamples"] = "20";
        config[Prefix + "Ramp:Gates:MaxP99LatencyRatio"] = "1000";
        await using var proxy = await TestProxy.StartAsync(config);

        var sent = 0;
        for (; sent < 300 && await StatusAsync(proxy) != "RolledBack"; sent++)
        {
            using var response = await SendAsync(proxy, $"/api/orders/{sent}");
            Assert.True(response is not null || fault == Fault.ResetMidBody, "only a reset mid-body may reach the client as a reset");
            if (response is not null)
            {
                await ReadBoundedAsync(response);
            }
            if (sent % 10 == 9)
            {
                await Task.Delay(100);
            }
        }

        Assert.Equal("RolledBack", await StatusAsync(proxy));
        Assert.InRange(sent, 20, 299);
        var view = await proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders");
        Assert.Equal(0, view.GetProperty("weight").GetDecimal());
        Assert.Contains("error rate", view.GetProperty("statusReason").GetString());
        Assert.Equal(1, proxy.Metrics().Rollbacks.WithLabels(Migration, "automatic").Value);

        // In force at once: legacy serves, the candidate gets nothing more as primary.
        var before = candidate.Requests.Count;
        for (var i = 0; i < 20; i++)
        {
            using var response = await proxy.Client.GetAsync($"/api/orders/after-{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("legacy", response.Headers.GetValues("X-Backend").Single());
        }

        Assert.Equal(before, candidate.Requests.Count);
    }

    internal static Dictionary<string, string?> CandidatePrimary(Uri legacy, Uri candidate)
    {
        var config = TestProxy.MigrationConfig(Migration, legacy, candidate);
        config[Prefix + "Ramp:Stages:0:Weight"] = "100";
        config[Prefix + "Shadow:Enabled"] = "false";
        config[Prefix + "Candidate:Timeout"] = "00:00:01";
        config[Prefix + "Failover:Enabled"] = "true";
        return config;
    }

    /// <summary>
    /// Null when the connection was reset before response headers arrived: a candidate that resets mid-body makes
    /// the proxy abort the client, and whether the proxy had flushed its headers by then is a race (both are aborts).
    /// </summary>
    private static async Task<HttpResponseMessage?> SendAsync(TestProxy proxy, string path)
    {
        try
        {
            return await proxy.Client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        }
        catch (HttpRequestException error) when (error.InnerException is IOException)
        {
            return null;
        }
    }

    private static async Task<string?> StatusAsync(TestProxy proxy) =>
        (await proxy.Admin.GetFromJsonAsync<JsonElement>("/api/v1/migrations/orders")).GetProperty("status").GetString();

    /// <summary>Reads at most <see cref="StreamedBytesRead"/> bytes; returns what came and the error that ended it, if any.</summary>
    private static async Task<(byte[] Body, Exception? Error)> ReadBoundedAsync(HttpResponseMessage response)
    {
        using var body = new MemoryStream();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
            var buffer = new byte[64 * 1024];
            int read;
            while (body.Length < StreamedBytesRead
                   && (read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, StreamedBytesRead - body.Length)), timeout.Token)) > 0)
            {
                body.Write(buffer, 0, read);
            }

            return (body.ToArray(), null);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return (body.ToArray(), ex);
        }
    }
}
