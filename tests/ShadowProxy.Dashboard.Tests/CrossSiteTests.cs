using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ShadowProxy.Dashboard.Tests.Infrastructure;

namespace ShadowProxy.Dashboard.Tests;

/// <summary>
/// Browser safety (docs/security.md#browser-safety-admin-api), from a real Chromium page on another site: the admin listener on loopback
/// with no keys is what any web page the operator has open can reach, and form posts and text/plain
/// fetches are requests a browser sends cross-site without asking first. None of them changes anything.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class CrossSiteTests(BrowserFixture browser)
{
    [Fact]
    public async Task A_page_on_another_site_cannot_roll_back_or_set_a_weight_through_an_open_admin_api()
    {
        await using var proxy = await DashboardProxy.StartAsync(withKeys: false);
        await using var attacker = await AttackerSite.StartAsync(proxy.AdminAddress);
        await using var tab = await browser.OpenAsync(attacker.Address);
        var page = tab.Page;

        // A form post (text/plain, so the body is JSON-shaped), submitted by the page on load.
        await page.GotoAsync(attacker.Address + "form");
        await page.WaitForURLAsync(url => url.StartsWith(proxy.AdminAddress.ToString(), StringComparison.Ordinal));
        var answer = await page.Locator("body").InnerTextAsync();
        Assert.Equal(403, JsonDocument.Parse(answer).RootElement.GetProperty("status").GetInt32());

        // fetch() without CORS: a text/plain POST goes out unasked; a JSON one needs a preflight the API never grants.
        await page.GotoAsync(attacker.Address + "fetch");
        await Microsoft.Playwright.Assertions.Expect(page.Locator("#done")).ToHaveTextAsync("done");
        Assert.Contains("json: blocked", await page.Locator("#log").InnerTextAsync());

        using var migration = JsonDocument.Parse(await proxy.Admin.GetStringAsync("/api/v1/migrations/" + DashboardProxy.Migration));
        Assert.Equal("Shadowing", migration.RootElement.GetProperty("status").GetString());
        Assert.Equal(0m, migration.RootElement.GetProperty("weight").GetDecimal());
        using var audit = JsonDocument.Parse(await proxy.Admin.GetStringAsync("/api/v1/audit"));
        Assert.Empty(audit.RootElement.EnumerateArray());
    }

    [Fact]
    public async Task The_dashboard_itself_still_writes_from_its_own_origin()
    {
        await using var proxy = await DashboardProxy.StartAsync(withKeys: false);
        await using var tab = await browser.OpenAsync(proxy.AdminAddress);
        var page = tab.Page;
        await page.GotoAsync("/");

        // The page's own fetch, as the dashboard sends it: same origin, JSON.
        var status = await page.EvaluateAsync<int>("""
            async () => (await fetch('/api/v1/migrations/orders/pause', {
              method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ reason: 'from the dashboard' }) })).status
            """);

        Assert.Equal(200, status);
        using var migration = JsonDocument.Parse(await proxy.Admin.GetStringAsync("/api/v1/migrations/" + DashboardProxy.Migration));
        Assert.Equal("Paused", migration.RootElement.GetProperty("status").GetString());
    }

    /// <summary>
    /// A site of its own (http://localhost:port, another site than the admin's 127.0.0.1) whose pages
    /// try, in every way a page can without the user's help, to change the migration.
    /// </summary>
    private sealed class AttackerSite : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private AttackerSite(WebApplication app, Uri address)
        {
            _app = app;
            Address = address;
        }

        public Uri Address { get; }

        public static async Task<AttackerSite> StartAsync(Uri admin)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var target = admin.ToString().TrimEnd('/');
            app.MapGet("/form", () => Results.Content($$"""
                <!doctype html><html><body>
                <form id="f" method="POST" action="{{target}}/api/v1/rollback" enctype="text/plain">
                  <input type="hidden" name='{"reason": "pwned", "x": "' value='"}'>
                </form>
                <script>document.getElementById('f').submit();</script>
                </body></html>
                """, "text/html"));
            app.MapGet("/fetch", () => Results.Content($$"""
                <!doctype html><html><body><pre id="log"></pre><div id="done"></div>
                <script>
                const log = (line) => document.getElementById('log').textContent += line + '\n';
                (async () => {
                  try { await fetch('{{target}}/api/v1/migrations/orders/weight', { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: '{"weight": 50}' }); log('text: sent'); }
                  catch (e) { log('text: blocked'); }
                  try { await fetch('{{target}}/api/v1/rollback', { method: 'POST', mode: 'no-cors', body: new URLSearchParams({ reason: 'pwned' }) }); log('form: sent'); }
                  catch (e) { log('form: blocked'); }
                  try { await fetch('{{target}}/api/v1/rollback', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"reason": "pwned"}' }); log('json: sent'); }
                  catch (e) { log('json: blocked'); }
                  document.getElementById('done').textContent = 'done';
                })();
                </script></body></html>
                """, "text/html"));
            await app.StartAsync();
            var port = new Uri(app.Urls.First()).Port;
            return new AttackerSite(app, new Uri($"http://localhost:{port}/"));
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
