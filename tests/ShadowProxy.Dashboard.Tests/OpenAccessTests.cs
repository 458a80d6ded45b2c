using Microsoft.Playwright;
using ShadowProxy.Dashboard.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ShadowProxy.Dashboard.Tests;

/// <summary>With no ApiKeys (demo mode) the dashboard says plainly that the API is open, and works without a key.</summary>
[Collection(BrowserCollection.Name)]
public sealed class OpenAccessTests(BrowserFixture browser)
{
    [Fact]
    public async Task Open_access_is_announced_and_needs_no_key()
    {
        await using var proxy = await DashboardProxy.StartAsync(withKeys: false);
        await using var tab = await browser.OpenAsync(proxy.AdminAddress);
        var page = tab.Page;
        await page.GotoAsync("/");
        await Expect(page.Locator("#open-access")).ToBeVisibleAsync();
        await Expect(page.Locator("#open-access")).ToContainTextAsync("Open access");
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue without a key" }).ClickAsync();
        await Expect(page.Locator("#mig-name")).ToHaveTextAsync(DashboardProxy.Migration);
        await Expect(page.Locator("#identity-text")).ToContainTextAsync("Open access");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Roll back", Exact = true })).ToBeVisibleAsync();

        // A reload keeps the session (this tab only).
        await page.ReloadAsync();
        await Expect(page.Locator("#mig-name")).ToHaveTextAsync(DashboardProxy.Migration);
        Assert.Empty(tab.Errors);
    }
}
