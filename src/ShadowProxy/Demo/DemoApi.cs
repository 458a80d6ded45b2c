using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace ShadowProxy.Demo;

/// <summary>
/// The orders / customers / catalog JSON API that both demo backends serve, rendered through a
/// <see cref="DemoBackendProfile"/>. JSON is written by hand so that number text and key order are under control.
/// </summary>
/// <param name="next">A release that replaces <paramref name="first"/> after <paramref name="releaseAfter"/> (the demo candidate's fix), or null.</param>
internal sealed class DemoApi(DemoBackendProfile first, DemoShop shop, DemoBackendProfile? next = null, TimeSpan? releaseAfter = null)
{
    private readonly long _started = System.Diagnostics.Stopwatch.GetTimestamp();

    public const string JsonContentType = "application/json; charset=utf-8";
    public const string ProblemContentType = "application/problem+json; charset=utf-8";

    private const int DefaultPageSize = 20;
    private const int MaxPageSize = 50;
    private const int MaxPage = 10_000;
    private const int MaxLinesPerOrder = 20;
    private const int MaxQuantity = 99;
    private const long MaxCreateBodyBytes = 64 * 1024;

    // Created orders get ids far from the seeded ones; each backend counts on its own, as two databases would.
    private int _lastCreatedOrderId = 10_000;

    /// <summary>The release being served now.</summary>
    private DemoBackendProfile Profile =>
        next is not null && releaseAfter is { } after && after != Timeout.InfiniteTimeSpan && System.Diagnostics.Stopwatch.GetElapsedTime(_started) >= after ? next : first;

    public void Map(WebApplication app)
    {
        app.Use((context, nextStep) =>
        {
            var profile = Profile;
            context.Response.Headers.Server = profile.ServerHeader;
            context.Response.Headers["X-Powered-By"] = profile.PoweredBy;
            if (profile.SendsVersionHeader)
            {
                context.Response.Headers[DemoBackendProfile.VersionHeader] = profile.Version;
            }

            return nextStep(context);
        });

        Map(app, HttpMethods.Get, "/api/health", HealthAsync);
        Map(app, HttpMethods.Get, "/api/orders", ListOrdersAsync);
        Map(app, HttpMethods.Get, "/api/orders/{id:int}", GetOrderAsync);
        Map(app, HttpMethods.Post, "/api/orders", CreateOrderAsync);
        Map(app, HttpMethods.Get, "/api/customers/{id:int}", GetCustomerAsync);
        Map(app, HttpMethods.Get, "/api/catalog/products", ListProductsAsync);
        Map(app, HttpMethods.Get, "/api/catalog/products/{sku}", GetProductAsync);
    }

    // Typed as RequestDelegate so that no handler goes through the minimal-API binder.
    private static void Map(WebApplication app, string method, string pattern, RequestDelegate handler) =>
        app.MapMethods(pattern, [method], handler);

    private Task HealthAsync(HttpContext context) => WriteJsonAsync(context, StatusCodes.Status200OK, json =>
    {
        json.WriteStartObject();
        json.WriteString("status", "ok");
        json.WriteString("version", Profile.Version);
        json.WriteEndObject();
    });

    private Task ListOrdersAsync(HttpContext context)
    {
        var page = Math.Clamp(QueryInt(context, "page") ?? 1, 1, MaxPage);
        var pageSize = Math.Clamp(QueryInt(context, "pageSize") ?? DefaultPageSize, 1, MaxPageSize);
        var orders = shop.Orders.Skip((page - 1) * pageSize).Take(pageSize);
        return WriteJsonAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            json.WriteStartArray("items");
            foreach (var order in orders)
            {
                json.WriteStartObject();
                if (Profile.ReorderKeys)
                {
                    WriteTotal(json, order);
                }

                json.WriteNumber("id", order.Id);
                json.WriteString("status", Status(order));
                json.WriteNumber("customerId", order.Customer.Id);
                json.WriteString("createdAt", order.CreatedAt);
                if (!Profile.ReorderKeys)
                {
                    WriteTotal(json, order);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteNumber("page", page);
            json.WriteNumber("pageSize", pageSize);
            json.WriteNumber("totalCount", shop.Orders.Count);
            WriteMeta(json);
            json.WriteEndObject();
        });
    }

    private Task GetOrderAsync(HttpContext context)
    {
        var id = RouteInt(context, "id");
        var order = shop.FindOrder(id);
        if (order is null)
        {
            return WriteProblemAsync(context, StatusCodes.Status404NotFound, "Not Found", $"Order {id} does not exist.");
        }

        if (Profile.FailsOnLegacyCoupon && order.CouponCode == DemoShop.LegacyCouponCode)
        {
            return WriteProblemAsync(
                context, StatusCodes.Status500InternalServerError, "Internal Server Error", $"Unsupported coupon format '{order.CouponCode}'.");
        }

        return WriteJsonAsync(context, StatusCodes.Status200OK, json => WriteOrderDocument(json, order));
    }

    private async Task CreateOrderAsync(HttpContext context)
    {
        var bodySize = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (bodySize is { IsReadOnly: false })
        {
            bodySize.MaxRequestBodySize = MaxCreateBodyBytes;
        }

        string? error;
        DemoOrder? order = null;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted).ConfigureAwait(false);
            error = TryReadNewOrder(document.RootElement, out var customer, out var lines);
            if (error is null)
            {
                var now = DateTimeOffset.UtcNow;
                order = new DemoOrder(Interlocked.Increment(ref _lastCreatedOrderId), customer!, "pending", now, now, lines, null);
            }
        }
        catch (JsonException ex)
        {
            error = "The body is not valid JSON: " + ex.Message;
        }
        catch (BadHttpRequestException ex)
        {
            error = ex.Message;
        }

        if (order is null)
        {
            await WriteProblemAsync(context, StatusCodes.Status400BadRequest, "Bad Request", error!).ConfigureAwait(false);
            return;
        }

        context.Response.Headers.Location = "/api/orders/" + order.Id.ToString(CultureInfo.InvariantCulture);
        await WriteJsonAsync(context, StatusCodes.Status201Created, json => WriteOrderDocument(json, order)).ConfigureAwait(false);
    }

    /// <summary>Reads <c>{"customerId": 7, "items": [{"sku": "SKU-1003", "quantity": 2}]}</c>; returns an error text or null.</summary>
    private string? TryReadNewOrder(JsonElement root, out DemoCustomer? customer, out DemoOrderLine[] lines)
    {
        customer = null;
        lines = [];
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("customerId", out var customerId)
            || !customerId.TryGetInt32(out var id))
        {
            return "customerId (a number) is required.";
        }

        customer = shop.FindCustomer(id);
        if (customer is null)
        {
            return $"Customer {id} does not exist.";
        }

        if (!root.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array
            || items.GetArrayLength() is 0 or > MaxLinesPerOrder)
        {
            return $"items must be an array of 1 to {MaxLinesPerOrder} lines.";
        }

        var result = new List<DemoOrderLine>();
        foreach (var item in items.EnumerateArray())
        {
            var product = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("sku", out var sku) && sku.ValueKind == JsonValueKind.String
                ? shop.FindProduct(sku.GetString()!)
                : null;
            if (product is null)
            {
                return "Every item needs the sku of an existing product.";
            }

            if (!item.TryGetProperty("quantity", out var quantity) || !quantity.TryGetInt32(out var count) || count is < 1 or > MaxQuantity)
            {
                return $"Every item needs a quantity from 1 to {MaxQuantity}.";
            }

            result.Add(new DemoOrderLine(product, count));
        }

        lines = [.. result];
        return null;
    }

    private Task GetCustomerAsync(HttpContext context)
    {
        var id = RouteInt(context, "id");
        var customer = shop.FindCustomer(id);
        if (customer is null)
        {
            return WriteProblemAsync(context, StatusCodes.Status404NotFound, "Not Found", $"Customer {id} does not exist.");
        }

        return WriteJsonAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            json.WriteNumber("id", customer.Id);
            json.WriteString(Profile.CustomerNameField, customer.Name);
            json.WriteString("email", customer.Email);
            json.WriteString("tier", customer.Tier);
            json.WriteString("since", customer.Since);
            WriteMeta(json);
            json.WriteEndObject();
        });
    }

    private async Task ListProductsAsync(HttpContext context)
    {
        var (min, max) = Profile.ProductListDelayMs;
        try
        {
            await Task.Delay(Random.Shared.Next(min, max + 1), context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return; // The caller is gone; there is no one to answer.
        }

        await WriteJsonAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            json.WriteStartArray("items");
            foreach (var product in shop.Products)
            {
                WriteProduct(json, product);
            }

            json.WriteEndArray();
            json.WriteNumber("count", shop.Products.Count);
            WriteMeta(json);
            json.WriteEndObject();
        }, compressible: true).ConfigureAwait(false);
    }

    private Task GetProductAsync(HttpContext context)
    {
        var sku = context.Request.RouteValues["sku"] as string ?? string.Empty;
        var product = shop.FindProduct(sku);
        if (product is null)
        {
            return WriteProblemAsync(context, StatusCodes.Status404NotFound, "Not Found", $"Product {sku} does not exist.");
        }

        return WriteJsonAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            WriteProductFields(json, product);
            WriteMeta(json);
            json.WriteEndObject();
        });
    }

    private void WriteOrderDocument(Utf8JsonWriter json, DemoOrder order)
    {
        json.WriteStartObject();
        if (Profile.ReorderKeys)
        {
            WriteTotal(json, order);
        }

        json.WriteNumber("id", order.Id);
        json.WriteString("status", Status(order));
        json.WriteString("createdAt", order.CreatedAt);
        json.WriteString("updatedAt", order.UpdatedAt);
        json.WriteStartObject("customer");
        json.WriteNumber("id", order.Customer.Id);
        json.WriteString("name", order.Customer.Name);
        json.WriteString("email", order.Customer.Email);
        json.WriteEndObject();
        json.WriteStartArray("items");
        foreach (var line in order.Lines)
        {
            json.WriteStartObject();
            json.WriteString("sku", line.Product.Sku);
            json.WriteString("name", line.Product.Name);
            json.WriteNumber("quantity", line.Quantity);
            WriteMoney(json, "unitPrice", line.Product.Price);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (order.CouponCode is not null)
        {
            json.WriteString("couponCode", order.CouponCode);
        }

        if (!Profile.ReorderKeys)
        {
            WriteTotal(json, order);
        }

        WriteMeta(json);
        json.WriteEndObject();
    }

    private void WriteTotal(Utf8JsonWriter json, DemoOrder order)
    {
        WriteMoney(json, "total", order.Total);
        json.WriteString("currency", DemoShop.Currency);
    }

    private void WriteProduct(Utf8JsonWriter json, DemoProduct product)
    {
        json.WriteStartObject();
        WriteProductFields(json, product);
        json.WriteEndObject();
    }

    private void WriteProductFields(Utf8JsonWriter json, DemoProduct product)
    {
        json.WriteString("sku", product.Sku);
        json.WriteString("name", product.Name);
        json.WriteString("category", product.Category);
        WriteMoney(json, "price", product.Price);
        json.WriteString("currency", DemoShop.Currency);
        json.WriteNumber("stock", product.Stock);
        json.WriteStartArray("tags");
        foreach (var tag in product.Tags)
        {
            json.WriteStringValue(tag);
        }

        json.WriteEndArray();
    }

    private void WriteMoney(Utf8JsonWriter json, string name, decimal amount)
    {
        // Raw text, so the two backends' numbers differ as text while staying equal as values.
        json.WritePropertyName(name);
        json.WriteRawValue(amount.ToString(Profile.MoneyFormat, CultureInfo.InvariantCulture), skipInputValidation: true);
    }

    private string Status(DemoOrder order) =>
        order.Status == DemoShop.CancelledStatus ? Profile.CancelledStatus : order.Status;

    /// <summary>Per-response values that always differ between the two backends.</summary>
    private static void WriteMeta(Utf8JsonWriter json)
    {
        json.WriteStartObject("meta");
        json.WriteString("requestId", Guid.NewGuid().ToString("N"));
        json.WriteString("generatedAt", DateTimeOffset.UtcNow);
        json.WriteEndObject();
    }

    private static Task WriteProblemAsync(HttpContext context, int statusCode, string title, string detail) =>
        WriteJsonAsync(context, statusCode, json =>
        {
            json.WriteStartObject();
            json.WriteString("type", "about:blank");
            json.WriteString("title", title);
            json.WriteNumber("status", statusCode);
            json.WriteString("detail", detail);
            json.WriteEndObject();
        }, contentType: ProblemContentType);

    private static async Task WriteJsonAsync(
        HttpContext context, int statusCode, Action<Utf8JsonWriter> write, bool compressible = false, string contentType = JsonContentType)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer))
        {
            write(json);
        }

        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = contentType;
        if (!compressible)
        {
            response.ContentLength = buffer.WrittenCount;
            await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        response.Headers.Vary = "Accept-Encoding";
        if (!AcceptsGzip(context.Request))
        {
            response.ContentLength = buffer.WrittenCount;
            await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        response.Headers.ContentEncoding = "gzip";
        var gzip = new GZipStream(response.Body, CompressionLevel.Fastest, leaveOpen: true);
        await using (gzip.ConfigureAwait(false))
        {
            await gzip.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>True when <c>Accept-Encoding</c> lists gzip (or *) without <c>q=0</c>.</summary>
    internal static bool AcceptsGzip(HttpRequest request)
    {
        foreach (var value in request.Headers.AcceptEncoding)
        {
            foreach (var part in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var semicolon = part.IndexOf(';', StringComparison.Ordinal);
                var coding = semicolon < 0 ? part : part[..semicolon].TrimEnd();
                var refused = semicolon >= 0 && part[(semicolon + 1)..].Replace(" ", string.Empty, StringComparison.Ordinal) is "q=0" or "q=0.0" or "q=0.00" or "q=0.000";
                if (!refused && (coding.Equals("gzip", StringComparison.OrdinalIgnoreCase) || coding == "*"))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static int RouteInt(HttpContext context, string name) =>
        int.Parse((string)context.Request.RouteValues[name]!, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static int? QueryInt(HttpContext context, string name) =>
        int.TryParse(context.Request.Query[name], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
