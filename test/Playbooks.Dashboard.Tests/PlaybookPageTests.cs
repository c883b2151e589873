using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Playbooks.Api.Tests.Infrastructure;
using Playbooks.Dashboard.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Playbooks.Dashboard.Tests;

public sealed class PlaybookPageTests(DashboardServer server, Chromium chromium) : BrowserTest(server, chromium)
{
    [Fact]
    public async Task The_list_links_each_playbook_of_the_workspace_and_no_other()
    {
        var tenant = await App.NewTenantAsync();
        var other = await App.NewTenantAsync();
        await CreatePlaybookAsync(tenant, "Series B SaaS");
        await CreatePlaybookAsync(tenant, "Fintech CFOs");
        await CreatePlaybookAsync(other, "Someone else's");
        var page = await NewPageAsync();

        await page.SignInAsync(tenant.Token);

        await Expect(page.Link("Series B SaaS")).ToBeVisibleAsync();
        await Expect(page.Link("Fintech CFOs")).ToBeVisibleAsync();
        await Expect(page.Link("Someone else's")).ToHaveCountAsync(0);
        await page.OpenPlaybookAsync("Fintech CFOs");
    }

    [Fact]
    public async Task The_playbook_page_shows_the_reported_samples_and_successes_in_its_evidence_and_charts()
    {
        var tenant = await App.NewTenantAsync();
        var playbook = await CreatePlaybookAsync(tenant, "Series B SaaS", successTarget: 0.2);
        await RunWithOutcomesAsync(tenant, playbook.Id(), (12, 3), (8, 2));
        var page = await NewPageAsync();
        await page.SignInAsync(tenant.Token);

        await page.OpenPlaybookAsync("Series B SaaS");

        var text = await page.Locator("main").First.InnerTextAsync();
        Assert.Matches(@"\b20\b", text);
        Assert.Matches(@"\b5\b", text);
        var charts = page.Charts();
        Assert.True(await charts.CountAsync() >= 2, "Expected the evidence chart and the over-time chart, each an svg with role=img.");
        var labels = new List<string>();
        foreach (var chart in await charts.AllAsync())
        {
            var label = await chart.GetAttributeAsync("aria-label");
            Assert.False(string.IsNullOrWhiteSpace(label), "Every chart needs an aria-label that says what it shows.");
            labels.Add(label!);
        }
        Assert.Contains(labels, l => Regex.IsMatch(l, @"\b20\b") && Regex.IsMatch(l, @"\b5\b"));
    }

    [Fact]
    public async Task Status_actions_change_the_status_and_delete_asks_first()
    {
        var tenant = await App.NewTenantAsync();
        var playbook = await CreatePlaybookAsync(tenant, "Series B SaaS");
        var page = await NewPageAsync();
        await page.SignInAsync(tenant.Token);
        await page.OpenPlaybookAsync("Series B SaaS");

        foreach (var (action, status) in new[] { ("Activate", "active"), ("Pause", "paused"), ("Activate", "active"), ("Archive", "archived") })
        {
            await page.Button(action).ClickAsync();
            await Expect(page.Button(action)).ToHaveCountAsync(0);
            Assert.Equal(status, (await GetPlaybookAsync(tenant, playbook.Id())).Str("status"));
        }

        // Delete asks for confirmation: a browser dialog, or a second button on the page.
        var dialogs = 0;
        page.Dialog += async (_, dialog) =>
        {
            dialogs++;
            await dialog.AcceptAsync();
        };
        await page.Button("Delete").ClickAsync();
        if (dialogs == 0)
        {
            Assert.Equal(HttpStatusCode.OK, (await tenant.Client.GetAsync($"/v1/playbooks/{playbook.Id()}")).StatusCode);
            var confirm = page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("delete|confirm", RegexOptions.IgnoreCase) });
            await confirm.Last.ClickAsync();
        }
        await Expect(page.Link("New playbook")).ToBeVisibleAsync();
        await Expect(page.Link("Series B SaaS")).ToHaveCountAsync(0);
        Assert.Equal(HttpStatusCode.NotFound, (await tenant.Client.GetAsync($"/v1/playbooks/{playbook.Id()}")).StatusCode);
    }
}
