using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using ShadowProxy.Demo;

namespace ShadowProxy.Tests.Demo;

public sealed class DemoBackendsTests(DemoBackendsFixture fixture) : IClassFixture<DemoBackendsFixture>
{
    private static readonly string[] ReadPaths =
    [
        "/api/health",
        "/api/orders",
        "/api/orders/1",
        "/api/customers/1",
        "/api/catalog/products",
        "/api/catalog/products/" + DemoShop.SkuOf(1),
    ];

    public static TheoryData<string> Reads => new(ReadPaths);

    private HttpClient Client => fixture.Client;

    private Uri Legacy => fixture.Backends.LegacyAddress;

    private Uri Candidate => fixture.Backends.CandidateAddress;

    [Fact]
    public void Backends_ListenOnLoopbackWithDistinctPorts()
    {
        Assert.Equal("127.0.0.1", Legacy.Host);
        Assert.Equal("127.0.0.1", Candidate.Host);
        Assert.NotEqual(Legacy.Port, Candidate.Port);
    }

    [Theory]
    [MemberData(nameof(Reads))]
    public async Task EveryRead_AnswersJsonOnBothWithItsServerHeader(string path)
    {
        foreach (var (address, server) in new[] { (Legacy, "legacy-demo"), (Candidate, "candidate-demo") })
        {
            using var response = await Client.GetAsync(new Uri(address, path));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
            Assert.Equal(server, response.Headers.Server.ToString());
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        }
    }

    [Fact]
    public async Task Customer_NameFieldIsRenamedOnTheCandidateOnly()
    {
        using var legacy = await GetJsonAsync(Legacy, "/api/customers/7");
        using var candidate = await GetJsonAsync(Candidate, "/api/customers/7");

        var name = legacy.RootElement.GetProperty("customerName").GetString();
        Assert.False(legacy.RootElement.TryGetProperty("customer_name", out _));
        Assert.False(candidate.RootElement.TryGetProperty("customerName", out _));
        Assert.Equal(name, candidate.RootElement.GetProperty("customer_name").GetString());
        Assert.Equal(legacy.RootElement.GetProperty("email").GetString(), candidate.RootElement.GetProperty("email").GetString());
    }

    [Fact]
    public async Task Order_MoneyDiffersAsTextButNotAsValue_AndKeysAreReordered()
    {
        var order = DemoShop.Instance.Orders.First(o => o.Status != DemoShop.CancelledStatus && o.CouponCode is null);
        var path = "/api/orders/" + order.Id;
        var legacyText = await Client.GetStringAsync(new Uri(Legacy, path));
        var candidateText = await Client.GetStringAsync(new Uri(Candidate, path));

        var legacyTotal = Regex.Match(legacyText, "\"total\":([0-9.]+)").Groups[1].Value;
        var candidateTotal = Regex.Match(candidateText, "\"total\":([0-9.]+)").Groups[1].Value;
        Assert.NotEqual(legacyTotal, candidateTotal);
        Assert.Matches(@"^\d+\.\d\d$", candidateTotal);
        Assert.Equal(decimal.Parse(legacyTotal, System.Globalization.CultureInfo.InvariantCulture), decimal.Parse(candidateTotal, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(order.Total, decimal.Parse(candidateTotal, System.Globalization.CultureInfo.InvariantCulture));

        using var legacy = JsonDocument.Parse(legacyText);
        using var candidate = JsonDocument.Parse(candidateText);
        Assert.NotEqual(PropertyNames(legacy.RootElement), PropertyNames(candidate.RootElement));
        Assert.Equal(PropertyNames(legacy.RootElement).Order(), PropertyNames(candidate.RootElement).Order());

        // Apart from meta, the two documents carry the same values.
        Assert.Equal(Canonical(legacy.RootElement, skip: "meta"), Canonical(candidate.RootElement, skip: "meta"));
    }

    [Fact]
    public async Task Meta_RequestIdAndGeneratedAtAlwaysDiffer()
    {
        using var legacy = await GetJsonAsync(Legacy, "/api/orders/3");
        using var candidate = await GetJsonAsync(Candidate, "/api/orders/3");
        using var legacyAgain = await GetJsonAsync(Legacy, "/api/orders/3");

        var ids = new[] { legacy, candidate, legacyAgain }.Select(d => d.RootElement.GetProperty("meta").GetProperty("requestId").GetString()).ToList();
        Assert.Equal(3, ids.Distinct().Count());
        Assert.NotEqual(
            legacy.RootElement.GetProperty("meta").GetProperty("generatedAt").GetString(),
            candidate.RootElement.GetProperty("meta").GetProperty("generatedAt").GetString());
    }

    [Fact]
    public async Task CancelledOrders_AreSpelledDifferentlyByTheCandidate()
    {
        var order = DemoShop.Instance.Orders.First(o => o.Status == DemoShop.CancelledStatus && o.CouponCode is null);
        using var legacy = await GetJsonAsync(Legacy, "/api/orders/" + order.Id);
        using var candidate = await GetJsonAsync(Candidate, "/api/orders/" + order.Id);

        Assert.Equal("cancelled", legacy.RootElement.GetProperty("status").GetString());
        Assert.Equal("canceled", candidate.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ProductsList_IsGzippedOnlyWhenAsked()
    {
        foreach (var address in new[] { Legacy, Candidate })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(address, "/api/catalog/products"));
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
            using var response = await Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(["gzip"], response.Content.Headers.ContentEncoding);

            await using var gzip = new GZipStream(await response.Content.ReadAsStreamAsync(), CompressionMode.Decompress);
            using var document = await JsonDocument.ParseAsync(gzip);
            Assert.Equal(DemoShop.ProductCount, document.RootElement.GetProperty("items").GetArrayLength());

            using var plain = await Client.GetAsync(new Uri(address, "/api/catalog/products"));
            Assert.Empty(plain.Content.Headers.ContentEncoding);
            using var plainDocument = JsonDocument.Parse(await plain.Content.ReadAsStringAsync());
            Assert.Equal(DemoShop.ProductCount, plainDocument.RootElement.GetProperty("count").GetInt32());
        }
    }

    [Fact]
    public async Task ProductsList_TakesAtLeastTheCandidatesSimulatedQueryTime()
    {
        var stopwatch = Stopwatch.StartNew();
        using var response = await Client.GetAsync(new Uri(Candidate, "/api/catalog/products"));
        stopwatch.Stop();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(DemoBackendProfile.Candidate.ProductListDelayMs.Min >= DemoBackendProfile.Legacy.ProductListDelayMs.Max + 20);

        // A lower bound only: the delay is the behaviour; how much longer a busy machine takes is not.
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(DemoBackendProfile.Candidate.ProductListDelayMs.Min - 10), stopwatch.Elapsed.ToString());
    }

    [Fact]
    public async Task OrderReads_FailOnTheCandidateForAboutTwoPercentOfIds()
    {
        var legacyErrors = 0;
        var candidateErrors = 0;
        for (var id = 1; id <= DemoShop.OrderCount; id++)
        {
            using var legacy = await Client.GetAsync(new Uri(Legacy, "/api/orders/" + id));
            using var candidate = await Client.GetAsync(new Uri(Candidate, "/api/orders/" + id));
            legacyErrors += (int)legacy.StatusCode >= 500 ? 1 : 0;
            if ((int)candidate.StatusCode >= 500)
            {
                candidateErrors++;
                Assert.Equal("application/problem+json; charset=utf-8", candidate.Content.Headers.ContentType?.ToString());
            }
        }

        Assert.Equal(0, legacyErrors);
        Assert.InRange(candidateErrors / (double)DemoShop.OrderCount, 0.01, 0.04);
    }

    [Theory]
    [InlineData("/api/orders/99999")]
    [InlineData("/api/customers/0")]
    [InlineData("/api/catalog/products/NOPE-1")]
    public async Task UnknownIds_AreProblem404OnBoth(string path)
    {
        foreach (var address in new[] { Legacy, Candidate })
        {
            using var response = await Client.GetAsync(new Uri(address, path));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        }
    }

    [Fact]
    public async Task OrdersList_PagesTheSameOrdersOnBoth()
    {
        foreach (var address in new[] { Legacy, Candidate })
        {
            using var document = await GetJsonAsync(address, "/api/orders?page=2&pageSize=10");
            var ids = document.RootElement.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("id").GetInt32());
            Assert.Equal(Enumerable.Range(11, 10), ids);
            Assert.Equal(DemoShop.OrderCount, document.RootElement.GetProperty("totalCount").GetInt32());
        }
    }

    [Fact]
    public async Task PostOrder_EchoCreatesAPricedOrder()
    {
        var product = DemoShop.Instance.Products[2];
        var body = $$"""{"customerId":5,"items":[{"sku":"{{product.Sku}}","quantity":3}]}""";
        foreach (var address in new[] { Legacy, Candidate })
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await Client.PostAsync(new Uri(address, "/api/orders"), content);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);

            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var order = document.RootElement;
            Assert.Equal("/api/orders/" + order.GetProperty("id").GetInt32(), response.Headers.Location?.OriginalString);
            Assert.Equal("pending", order.GetProperty("status").GetString());
            Assert.Equal(5, order.GetProperty("customer").GetProperty("id").GetInt32());
            Assert.Equal(product.Price * 3, order.GetProperty("total").GetDecimal());
        }
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"customerId":5}""")]
    [InlineData("""{"customerId":999,"items":[{"sku":"SKU-1001","quantity":1}]}""")]
    [InlineData("""{"customerId":5,"items":[{"sku":"SKU-1001","quantity":0}]}""")]
    public async Task PostOrder_RejectsInvalidBodiesWith400(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await Client.PostAsync(new Uri(Legacy, "/api/orders"), content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
    }

    [Fact]
    public async Task GeneratorMix_IsServedByTheLegacyBackend()
    {
        var random = new Random(7);
        for (var i = 0; i < 150; i++)
        {
            var request = DemoTrafficMix.NextRequest(random);
            using var message = new HttpRequestMessage(request.Method, new Uri(Legacy, request.Path));
            if (request.JsonBody is not null)
            {
                message.Content = new StringContent(request.JsonBody, Encoding.UTF8, "application/json");
            }

            using var response = await Client.SendAsync(message);
            var orderId = request.Path.StartsWith("api/orders/", StringComparison.Ordinal) ? int.Parse(request.Path[11..], System.Globalization.CultureInfo.InvariantCulture) : 0;
            var expected = request.Method == HttpMethod.Post ? HttpStatusCode.Created
                : orderId > DemoShop.OrderCount ? HttpStatusCode.NotFound
                : HttpStatusCode.OK;
            Assert.True(expected == response.StatusCode, $"{request.Method} {request.Path}: {response.StatusCode}");
        }
    }

    [Fact]
    public async Task Health_ReportsDifferentVersions()
    {
        using var legacy = await GetJsonAsync(Legacy, "/api/health");
        using var candidate = await GetJsonAsync(Candidate, "/api/health");
        Assert.Equal("ok", legacy.RootElement.GetProperty("status").GetString());
        Assert.Equal("ok", candidate.RootElement.GetProperty("status").GetString());
        Assert.NotEqual(legacy.RootElement.GetProperty("version").GetString(), candidate.RootElement.GetProperty("version").GetString());
    }

    [Fact]
    public async Task Candidate_SecondRelease_NamesItselfAndFixesTheRenameAndTheSpelling()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var backends = await DemoBackends.StartAsync(NullLoggerFactory.Instance, timeout.Token, candidateReleaseAfter: TimeSpan.Zero);
        var customer = DemoShop.Instance.Customers[0];
        using var response = await Client.GetAsync(new Uri(backends.CandidateAddress, $"/api/customers/{customer.Id}"), timeout.Token);
        Assert.Equal(DemoBackendProfile.CandidateFixed.Version, Assert.Single(response.Headers.GetValues(DemoBackendProfile.VersionHeader)));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token));
        Assert.True(body.RootElement.TryGetProperty("customerName", out _));
        Assert.Equal(DemoBackendProfile.Legacy.CancelledStatus, DemoBackendProfile.CandidateFixed.CancelledStatus);
        Assert.True(DemoBackendProfile.CandidateFixed.FailsOnLegacyCoupon);
    }

    [Fact]
    public async Task DisposeAsync_StopsBothBackends()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var backends = await DemoBackends.StartAsync(NullLoggerFactory.Instance, timeout.Token);
        var addresses = new[] { backends.LegacyAddress, backends.CandidateAddress };
        foreach (var address in addresses)
        {
            using var response = await Client.GetAsync(new Uri(address, "/api/health"), timeout.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await backends.DisposeAsync();

        // A fresh client: pooled connections to the stopped apps would otherwise be reused.
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        foreach (var address in addresses)
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri(address, "/api/health"), timeout.Token));
        }
    }

    private async Task<JsonDocument> GetJsonAsync(Uri address, string path)
    {
        using var response = await Client.GetAsync(new Uri(address, path));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private static List<string> PropertyNames(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToList();

    /// <summary>Key-order-independent, number-text-independent rendering of a JSON value.</summary>
    private static string Canonical(JsonElement element, string? skip = null) => element.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(",", element.EnumerateObject()
            .Where(p => p.Name != skip)
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => p.Name + ":" + Canonical(p.Value))) + "}",
        JsonValueKind.Array => "[" + string.Join(",", element.EnumerateArray().Select(e => Canonical(e))) + "]",
        JsonValueKind.Number => element.GetDecimal().ToString("G29", System.Globalization.CultureInfo.InvariantCulture),
        _ => element.GetRawText(),
    };
}
