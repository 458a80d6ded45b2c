using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using static ShadowProxy.Demo.DemoResponses;

namespace ShadowProxy.Demo;

/// <summary>The orders part of the demo API: list, one order, and order creation.</summary>
internal sealed partial class DemoApi
{
    private const int DefaultPageSize = 20;
    private const int MaxPageSize = 50;
    private const int MaxPage = 10_000;
    private const int MaxLinesPerOrder = 20;
    private const int MaxQuantity = 99;
    private const long MaxCreateBodyBytes = 64 * 1024;

    // Created orders get ids far from the seeded ones; each backend counts on its own, as two databases would.
    private int _lastCreatedOrderId = 10_000;

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

    private string Status(DemoOrder order) =>
        order.Status == DemoShop.CancelledStatus ? Profile.CancelledStatus : order.Status;
}
