using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ShadowProxy.Dashboard.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ShadowProxy.Dashboard.Tests;

/// <summary>The dashboard in Chromium against a live proxy with the demo backends: the flows ops, teams and SREs use.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardFlowTests(BrowserFixture browser, ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    [Fact]
    public async Task Operator_sees_the_migration_opens_a_diff_marks_noise_and_rolls_back()
    {
        await using var tab = await browser.OpenAsync(fixture.Proxy.AdminAddress);
        var page = tab.Page;
        await tab.SignInAsync(DashboardProxy.OperatorKey);

        // The overview: status, weight, stage timeline, gates and a chart that fills from polling.
        await Expect(page.Locator("#mig-status")).ToHaveTextAsync("Shadowing");
        await Expect(page.Locator("#mig-weight")).ToHaveTextAsync("0%");
        await Expect(page.Locator("#timeline li[aria-current=step]")).ToContainTextAsync("shadow");
        await Expect(page.Locator("#identity-text")).ToContainTextAsync("Operator");
        await Expect(page.Locator("#chart polyline").First).ToBeAttachedAsync();
        // The shadow limit next to the shadows in flight (docs/configuration.md#shadow): light traffic leaves it at MaxInFlight.
        await Expect(page.Locator("#stats div", new() { HasText = "Shadow limit" })).ToContainTextAsync("512");

        // Promote through the confirmation dialog: the weight moves to the canary stage.
        await page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Promote to") }).ClickAsync();
        await Expect(page.Locator("#confirm-dialog")).ToBeVisibleAsync();
        await page.Locator("#confirm-reason").FillAsync("canary after a clean shadow week");
        await page.Locator("#confirm-ok").ClickAsync();
        await Expect(page.Locator("#mig-weight")).ToHaveTextAsync("1%");
        await Expect(page.Locator("#mig-status")).ToHaveTextAsync("Ramping");
        await Expect(page.Locator("#timeline li[aria-current=step]")).ToContainTextAsync("canary");

        // The diff explorer per endpoint (one click from the grouped view it opens on), filtered on the server:
        // the renamed customer field, its samples, one sample side by side.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Diffs" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Per endpoint" }).ClickAsync();
        await page.GetByLabel("Path contains").FillAsync("customerName");
        var row = page.Locator("#summary-body tr", new() { HasText = "$.customerName" });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(page.Locator("#summary-body tr")).ToHaveCountAsync(1);
        await row.GetByRole(AriaRole.Button, new() { Name = "Samples of $.customerName" }).ClickAsync();
        await page.Locator("#samples .sample-link").First.ClickAsync();
        await Expect(page.Locator("#sample-card")).ToBeVisibleAsync();
        await Expect(page.Locator("#sample-legacy .diff-hl", new() { HasText = "\"customerName\"" })).ToHaveCountAsync(1);
        await Expect(page.Locator("#sample-candidate .diff-hl", new() { HasText = "\"customer_name\"" })).ToHaveCountAsync(1);
        await Expect(page.Locator("#sample-diffs")).ToContainTextAsync("Renamed");
        await tab.ScreenshotAsync("diff-view.png");

        // Mark the path as noise for its endpoint: the API lists the mark.
        await row.GetByRole(AriaRole.Button, new() { Name = "Mark as noise…" }).ClickAsync();
        await page.Locator("#confirm-ok").ClickAsync();
        await Expect(page.Locator("#noise-body")).ToContainTextAsync("$.customerName");
        var marks = await fixture.NoiseMarksAsync();
        Assert.Contains(marks.EnumerateArray(), m => m.GetProperty("path").GetString() == "$.customerName"
            && m.GetProperty("endpoint").GetString() == ProxyFixture.CustomerEndpoint
            && m.GetProperty("actor").GetString() == "ops-oliver");

        // Roll back: a reason is required, then the status is RolledBack and the audit log says who and why.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Overview" }).ClickAsync();
        await page.WaitForFunctionAsync("() => (document.querySelector('#chart polyline')?.getAttribute('points') ?? '').split(' ').length >= 5");
        await tab.ScreenshotAsync("dashboard.png");
        await page.GetByRole(AriaRole.Button, new() { Name = "Roll back", Exact = true }).ClickAsync();
        await page.Locator("#confirm-ok").ClickAsync();
        await Expect(page.Locator("#confirm-error")).ToHaveTextAsync("A reason is required.");
        await page.Locator("#confirm-reason").FillAsync("candidate drops customerName");
        await page.Locator("#confirm-ok").ClickAsync();
        await Expect(page.Locator("#mig-status")).ToHaveTextAsync("RolledBack");
        await Expect(page.Locator("#mig-weight")).ToHaveTextAsync("0%");
        await Expect(page.Locator("#mig-reason")).ToContainTextAsync("candidate drops customerName");

        await page.GetByRole(AriaRole.Tab, new() { Name = "Audit log" }).ClickAsync();
        var newest = page.Locator("#audit-body tr").First;
        await Expect(newest).ToContainTextAsync("rollback");
        await Expect(newest).ToContainTextAsync("ops-oliver");
        await Expect(newest).ToContainTextAsync("candidate drops customerName");
        await Expect(page.Locator("#audit-body")).ToContainTextAsync("noise-mark");

        await page.GetByRole(AriaRole.Tab, new() { Name = "Report" }).ClickAsync();
        await Expect(page.Locator("#report-body")).ToContainTextAsync(ProxyFixture.CustomerEndpoint);

        Assert.Empty(tab.Errors);
    }

    [Theory]
    [InlineData(DashboardProxy.ViewerKey, "Viewer")]
    [InlineData(DashboardProxy.SreKey, "Sre")]
    public async Task Controls_follow_the_role(string key, string role)
    {
        await using var tab = await browser.OpenAsync(fixture.Proxy.AdminAddress);
        var page = tab.Page;
        await tab.SignInAsync(key);
        await Expect(page.Locator("#identity-text")).ToContainTextAsync(role);

        var rollback = page.GetByRole(AriaRole.Button, new() { Name = "Roll back", Exact = true });
        var promote = page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Promote|Last stage") });
        await Expect(promote).ToHaveCountAsync(0);
        await Expect(page.Locator("#weight-input")).ToBeHiddenAsync();
        await Expect(page.Locator("#timeline button")).ToHaveCountAsync(0);
        if (role == "Viewer")
        {
            await Expect(rollback).ToHaveCountAsync(0);
            await Expect(page.Locator("#readonly-note")).ToBeVisibleAsync();
            await page.GetByRole(AriaRole.Tab, new() { Name = "Diffs" }).ClickAsync();
            await Expect(page.Locator("#summary-body tr").First).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Mark as noise…" })).ToHaveCountAsync(0);
        }
        else
        {
            await Expect(rollback).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Roll back all…" })).ToBeVisibleAsync();
        }

        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task The_page_requests_nothing_outside_loopback()
    {
        await using var tab = await browser.OpenAsync(fixture.Proxy.AdminAddress);
        var requested = new List<string>();
        await tab.Context.RouteAsync("**/*", async route =>
        {
            var url = new Uri(route.Request.Url);
            lock (requested)
            {
                requested.Add(route.Request.Url);
            }

            if (url.Host == "127.0.0.1")
            {
                await route.ContinueAsync();
            }
            else
            {
                await route.AbortAsync();
            }
        });

        await tab.SignInAsync(DashboardProxy.ViewerKey);
        foreach (var view in new[] { "Diffs", "Report", "Audit log", "Overview" })
        {
            await tab.Page.GetByRole(AriaRole.Tab, new() { Name = view }).ClickAsync();
        }

        await tab.Page.GetByRole(AriaRole.Tab, new() { Name = "Diffs" }).ClickAsync();
        await tab.Page.Locator("#summary-body .link").First.ClickAsync();
        await tab.Page.Locator("#samples .sample-link").First.ClickAsync();
        await Expect(tab.Page.Locator("#sample-card")).ToBeVisibleAsync();

        lock (requested)
        {
            Assert.NotEmpty(requested);
            Assert.All(requested, url => Assert.Equal("127.0.0.1", new Uri(url).Host));
            Assert.Contains(requested, url => url.Contains("/api/v1/", StringComparison.Ordinal));
        }

        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task A_wrong_key_shows_the_API_s_message_and_signing_out_forgets_the_key()
    {
        await using var tab = await browser.OpenAsync(fixture.Proxy.AdminAddress);
        var page = tab.Page;
        await page.GotoAsync("/");
        await page.GetByLabel("API key").FillAsync("not-a-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("#signin-error")).ToContainTextAsync("not one of the configured keys");
        await Expect(page.Locator("#open-access")).ToBeHiddenAsync();

        await tab.SignInAsync(DashboardProxy.ViewerKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByLabel("API key")).ToBeVisibleAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('shadowproxy.apiKey')"));
    }
}
