using Microsoft.Playwright;
namespace ShadowProxy.Dashboard.Tests;
public class Smoke
{
    [Fact]
    public async Task Launches()
    {
        using var pw = await Playwright.CreateAsync();
        await using var browser = await pw.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ["--no-sandbox"] });
        var page = await browser.NewPageAsync();
        await page.SetContentAsync("<p>hi</p>");
        Assert.Equal("hi", await page.InnerTextAsync("p"));
    }
}
