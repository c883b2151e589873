using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Playbooks.Api.Tests.Infrastructure;
using Playbooks.Dashboard.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Playbooks.Dashboard.Tests;

/// <summary>Every page, with data on it: axe-core finds nothing serious, and it fits 375 px.</summary>
public sealed class AccessibilityTests(DashboardServer server, Chromium chromium) : BrowserTest(server, chromium)
{
    public static TheoryData<string> Pages => ["sign-in", "list", "playbook", "edit", "new", "run", "prompt", "activity", "webhooks", "webhook"];

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Axe_finds_no_serious_or_critical_violation(string name)
    {
        var page = await OpenAsync(name);

        await page.ExpectNoSeriousViolationsAsync(name);
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task The_page_fits_375_px_without_horizontal_scrolling(string name)
    {
        var page = await OpenAsync(name);

        await page.ExpectNoHorizontalScrollAt375Async(name);
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Axe_finds_no_serious_or_critical_violation_in_dark_mode(string name)
    {
        var page = await OpenAsync(name);
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });

        await page.ExpectNoSeriousViolationsAsync($"{name} (dark)");
    }

    private async Task<IPage> OpenAsync(string name)
    {
        var tenant = await App.NewTenantAsync();
        var playbook = await CreatePlaybookAsync(tenant, "Series B SaaS");
        var runId = await RunWithOutcomesAsync(tenant, playbook.Id(), (12, 3), (8, 2));
        var page = await NewPageAsync();
        if (name == "sign-in")
        {
            await page.GotoAsync("/app");
            await Expect(page.Field("API token")).ToBeVisibleAsync();
            return page;
        }
        await page.SignInAsync(tenant.Token);
        switch (name)
        {
            case "activity":
                await page.Navigation("Activity").ClickAsync();
                await Expect(page.Locator("main tbody code", new() { HasText = "run.started" })).ToBeVisibleAsync();
                return page;
            case "webhooks":
            case "webhook":
                // Nothing listens on port 9: the delivery fails, so the table shows an error too.
                var webhook = await (await tenant.Client.PostAsJsonAsync("/v1/webhooks", new { url = "http://127.0.0.1:9/hook", description = "Nobody listens" }))
                    .ExpectAsync(HttpStatusCode.Created);
                await (await tenant.Client.PostAsync($"/v1/webhooks/{webhook["webhook"]!.Id()}/ping", null)).ExpectAsync(HttpStatusCode.Accepted);
                await page.Navigation("Webhooks").ClickAsync();
                await Expect(page.Button("Create webhook")).ToBeVisibleAsync();
                if (name == "webhook")
                {
                    await page.Link("http://127.0.0.1:9/hook").ClickAsync();
                    await Expect(page.Button("Redeliver")).ToBeVisibleAsync();
                }
                return page;
            case "list":
                await Expect(page.Link("Series B SaaS")).ToBeVisibleAsync();
                break;
            case "new":
                await page.Link("New playbook").ClickAsync();
                await Expect(page.Button("Save")).ToBeVisibleAsync();
                break;
            default:
                await page.OpenPlaybookAsync("Series B SaaS");
                break;
        }
        switch (name)
        {
            case "edit":
                await page.Link("Edit").ClickAsync();
                await Expect(page.Button("Save")).ToBeVisibleAsync();
                break;
            case "run":
                await OpenRunAsync(page, runId);
                break;
            case "prompt":
                await OpenPromptAsync(page);
                break;
        }
        await Expect(page.Button("Sign out")).ToBeVisibleAsync();
        return page;
    }
}
