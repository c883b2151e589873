using System.Net;
using Microsoft.Playwright;
using Playbooks.Api.Tests.Infrastructure;
using Playbooks.Dashboard.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Playbooks.Dashboard.Tests;

public sealed class SignInTests(DashboardServer server, Chromium chromium) : BrowserTest(server, chromium)
{
    [Fact]
    public async Task The_root_leads_to_the_dashboard_which_asks_for_a_token_first()
    {
        var page = await NewPageAsync();

        await page.GotoAsync("/");

        await Expect(page).ToHaveURLAsync(DashboardUi.Containing("/app"));
        await Expect(page.Field("API token")).ToBeVisibleAsync();
        await Expect(page.Button("Sign out")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task No_other_page_can_show_the_dashboard_in_a_frame()
    {
        var page = await NewPageAsync();
        var signIn = await page.GotoAsync("/app");
        Assert.Equal("DENY", await signIn!.HeaderValueAsync("X-Frame-Options"));
        Assert.Equal("frame-ancestors 'none'", await signIn.HeaderValueAsync("Content-Security-Policy"));

        // A page frames the dashboard and, to show that its frames do load, the health check. The page
        // keeps the dashboard's origin on purpose: the antiforgery forms already say SAMEORIGIN, which
        // stops a frame from another origin, so only a same-origin frame shows what 'none' adds.
        // The page's load event waits for both frames to load, or to fail.
        await page.SetContentAsync($"""
            <iframe title="Dashboard" src="{BaseUrl}/app"></iframe>
            <iframe title="Health" src="{BaseUrl}/healthz"></iframe>
            """);

        await Expect(page.FrameLocator("iframe[title='Health']").Locator("body")).ToHaveTextAsync("Healthy");
        await Expect(page.FrameLocator("iframe[title='Dashboard']").GetByLabel("API token")).ToHaveCountAsync(0);
        await Expect(page.FrameLocator("iframe[title='Dashboard']").GetByRole(AriaRole.Button, new() { Name = "Sign in" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_wrong_token_is_refused_and_the_right_one_signs_in_to_the_list_until_sign_out()
    {
        var tenant = await App.NewTenantAsync();
        await CreatePlaybookAsync(tenant, "Series B SaaS");
        var page = await NewPageAsync();

        await page.GotoAsync("/app");
        await page.Field("API token").FillAsync("pbk_not-a-real-token");
        await page.Button("Sign in").ClickAsync();
        await Expect(page.Field("API token")).ToBeVisibleAsync();
        await Expect(page.Button("Sign out")).ToHaveCountAsync(0);

        await page.SignInAsync(tenant.Token);
        await Expect(page.Link("Series B SaaS")).ToBeVisibleAsync();
        await Expect(page.Link("New playbook")).ToBeVisibleAsync();
        var cookies = await page.Context.CookiesAsync();
        Assert.NotEmpty(cookies);
        Assert.All(cookies.Where(c => c.Value.Length > 0 && c.HttpOnly), c => Assert.DoesNotContain(tenant.Token, c.Value, StringComparison.Ordinal));
        Assert.Contains(cookies, c => c.HttpOnly && c.SameSite == SameSiteAttribute.Strict);

        await page.Button("Sign out").ClickAsync();
        await Expect(page.Field("API token")).ToBeVisibleAsync();
        await page.GotoAsync("/app");
        await Expect(page.Field("API token")).ToBeVisibleAsync();
        await Expect(page.Link("Series B SaaS")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Every_page_offers_the_navigation_links_and_sign_out()
    {
        var tenant = await App.NewTenantAsync();
        var page = await NewPageAsync();

        await page.SignInAsync(tenant.Token);

        foreach (var navigation in new[] { "Playbooks", "Activity", "Webhooks" })
        {
            await Expect(page.Navigation(navigation)).ToBeVisibleAsync();
        }
        await Expect(page.Button("Sign out")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_revoked_tokens_session_is_refused()
    {
        var tenant = await App.NewTenantAsync();
        await CreatePlaybookAsync(tenant, "Series B SaaS");
        var page = await NewPageAsync();
        await page.SignInAsync(tenant.Token);
        await Expect(page.Link("Series B SaaS")).ToBeVisibleAsync();

        using var admin = App.AdminClient();
        (await admin.DeleteAsync($"/v1/admin/tokens/{tenant.TokenId}")).EnsureSuccessStatusCode();
        await page.ReloadAsync();

        await Expect(page.Field("API token")).ToBeVisibleAsync();
        await Expect(page.Link("Series B SaaS")).ToHaveCountAsync(0);
        await Expect(page.Button("Sign out")).ToHaveCountAsync(0);
        // The API agrees: the token itself is refused.
        Assert.Equal(HttpStatusCode.Unauthorized, (await tenant.Client.GetAsync("/v1/playbooks")).StatusCode);
    }
}
