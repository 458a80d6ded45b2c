using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ShadowProxy.Dashboard.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ShadowProxy.Dashboard.Tests;

/// <summary>docs/comparison.md#severity in Chromium against the demo: the Diffs tab opens grouped by cause, most severe first.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DiffTriageTests(BrowserFixture browser, ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    private static readonly string[] SeverityOrder = ["cosmetic", "risky", "breaking"];

    [Fact]
    public async Task The_diffs_tab_opens_grouped_by_cause_with_breaking_rows_first()
    {
        await using var tab = await browser.OpenAsync(fixture.Proxy.AdminAddress);
        var page = tab.Page;
        await tab.SignInAsync(DashboardProxy.ViewerKey);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Diffs" }).ClickAsync();

        // Grouped by cause, most severe first; breaking ones (the demo's, whichever it has then) are counted in a
        // banner and marked in red, and without any the banner stays away.
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "By cause" })).ToHaveAttributeAsync("aria-pressed", "true");
        var groups = page.Locator("#summary-body tr.group-row");
        await Expect(groups.First).ToBeVisibleAsync();
        var breaking = await fixture.Proxy.GetJsonAsync($"/api/v1/migrations/{DashboardProxy.Migration}/diffs/summary?groupBy=path&severity=breaking&noise=false");
        if (breaking.GetProperty("total").GetInt64() > 0)
        {
            await Expect(groups.First.Locator(".badge-breaking")).ToHaveCountAsync(1);
            await Expect(groups.First).ToHaveClassAsync(new Regex("sev-breaking"));
            await Expect(page.Locator("#breaking-banner")).ToContainTextAsync("breaking difference");
        }
        else
        {
            await Expect(page.Locator("#breaking-banner")).ToBeHiddenAsync();
        }

        var severities = await groups.Locator("td:first-child .badge").AllTextContentsAsync();
        Assert.Equal(severities.OrderByDescending(s => Array.IndexOf(SeverityOrder, s)), severities);

        // The header every endpoint answers differently is one cosmetic row, expandable to its endpoints.
        var header = groups.Filter(new() { HasText = "header:X-Powered-By" });
        await Expect(header).ToHaveCountAsync(1);
        await Expect(header.Locator(".badge-cosmetic")).ToHaveCountAsync(1);
        await header.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Show the") }).ClickAsync();

        // Demo traffic goes on, so new endpoints may join between two reads: count the row's endpoints and its
        // expanded rows in one rendering of the table.
        await page.WaitForFunctionAsync("""
            () => {
              const row = [...document.querySelectorAll('#summary-body tr.group-row')].find((r) => r.textContent.includes('header:X-Powered-By'));
              const endpoints = row ? Number(row.children[5].textContent) : 0;
              return endpoints >= 3 && document.querySelectorAll('#summary-body tr.endpoint-row').length === endpoints;
            }
            """);
        await tab.ScreenshotAsync("diff-triage.png");

        // A row's endpoint opens its samples; each sample difference carries its severity.
        await page.Locator("#summary-body tr.endpoint-row .link").First.ClickAsync();
        await page.Locator("#samples .sample-link").First.ClickAsync();
        await Expect(page.Locator("#sample-diffs .badge-cosmetic").First).ToBeVisibleAsync();

        // The severity filter keeps the risky and breaking ones: the cosmetic header goes.
        await page.GetByLabel("Severity").SelectOptionAsync("risky");
        await Expect(page.Locator("#summary-body tr.group-row .badge-cosmetic")).ToHaveCountAsync(0);
        await Expect(groups.First.Locator(".badge-risky, .badge-breaking")).ToHaveCountAsync(1);

        // Per endpoint is one click away, sorted the same way.
        await page.GetByRole(AriaRole.Button, new() { Name = "Per endpoint" }).ClickAsync();
        await Expect(page.Locator("#summary-head")).ToContainTextAsync("Endpoint");
        await Expect(page.Locator("#summary-body tr").First.Locator(".badge-risky, .badge-breaking")).ToHaveCountAsync(1);

        Assert.Empty(tab.Errors);
    }
}
