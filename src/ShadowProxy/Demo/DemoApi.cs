using System.Globalization;
using System.Text.Json;
using static ShadowProxy.Demo.DemoResponses;

namespace ShadowProxy.Demo;

/// <summary>
/// The orders / customers / catalog JSON API that both demo backends serve, rendered through a
/// <see cref="DemoBackendProfile"/>. JSON is written by hand so that number text and key order are under control.
/// </summary>
/// <param name="next">A release that replaces <paramref name="first"/> after <paramref name="releaseAfter"/> (the demo candidate's fix), or null.</param>
internal sealed partial class DemoApi(DemoBackendProfile first, DemoShop shop, DemoBackendProfile? next = null, TimeSpan? releaseAfter = null)
{
    private readonly long _started = System.Diagnostics.Stopwatch.GetTimestamp();

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

    private static int RouteInt(HttpContext context, string name) =>
        int.Parse((string)context.Request.RouteValues[name]!, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static int? QueryInt(HttpContext context, string name) =>
        int.TryParse(context.Request.Query[name], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
