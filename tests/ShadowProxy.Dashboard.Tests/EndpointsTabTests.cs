using Microsoft.Playwright;
using ShadowProxy.Dashboard.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ShadowProxy.Dashboard.Tests;

/// <summary>The Endpoints tab in Chromium: the inventory fills from demo traffic, the catalog's products are one endpoint, columns sort.</summary>
[Collection(BrowserCollection.Name)]
public sealed class EndpointsTabTests(BrowserFixture browser, ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    [Fact]
    public async Task The_inventory_shows_each_endpoint_once_with_its_coverage_and_sorts()
    {
        await using var tab = await browser.OpenAsync(fixture.Proxy.AdminAddress);
        var page = tab.Page;
        await tab.SignInAsync(DashboardProxy.ViewerKey);

        await page.GetByRole(AriaRole.Tab, new() { Name = "Endpoints" }).ClickAsync();

        // The SKUs of the demo catalog (SKU-1011 and siblings) are one learned endpoint.
        var products = page.Locator("#inventory-body tr", new() { HasText = "/api/catalog/products/" });
        await Expect(products).ToHaveCountAsync(1);
        await Expect(products).ToContainTextAsync("/api/catalog/products/{id}");
        await Expect(page.Locator("#inventory-body tr[data-endpoint='GET /api/customers/{id}']")).ToHaveCountAsync(1);

        // Coverage at a glance: a verdict badge on every row and the traffic each verdict covers.
        var rows = await page.Locator("#inventory-body tr").CountAsync();
        await Expect(page.Locator("#inventory-body tr .badge")).ToHaveCountAsync(rows);
        await Expect(page.Locator("#inventory-summary")).ToContainTextAsync("matching");
        await Expect(page.Locator("#inventory-summary")).ToContainTextAsync("differs");
        await Expect(page.Locator("#inventory-body tr[data-endpoint='GET /api/customers/{id}'] .badge")).ToHaveTextAsync("differs");

        // Sortable: busiest first by default; a click on Endpoint sorts by template, ascending.
        await Expect(page.Locator("#inventory-head th[aria-sort=descending]")).ToHaveTextAsync("Requests");
        await page.GetByRole(AriaRole.Button, new() { Name = "Endpoint", Exact = true }).ClickAsync();
        await Expect(page.Locator("#inventory-head th[aria-sort=ascending]")).ToHaveTextAsync("Endpoint");
        var templates = await page.Locator("#inventory-body tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.endpoint.split(' ')[1])");
        Assert.Equal(templates.Order(StringComparer.Ordinal), templates);
        await tab.ScreenshotAsync("endpoints-tab.png");
    }
}
