using System.Net.Http.Json;
using Microsoft.Playwright;
using Playbooks.Api.Tests.Infrastructure;
using Playbooks.Dashboard.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Playbooks.Dashboard.Tests;

public sealed class FormTests(DashboardServer server, Chromium chromium) : BrowserTest(server, chromium)
{
    private static readonly string[] Labels =
    [
        "Name", "Status", "Mode", "Buddy", "Lead source", "Query", "Sample size", "Strategy", "Hypothesis", "Channels",
        "Success metric", "Success target", "Adaptation enabled", "Minimum sample size", "Pivot window (days)", "Max pivots per week",
    ];

    [Fact]
    public async Task The_form_has_a_labelled_control_for_every_field()
    {
        var tenant = await App.NewTenantAsync();
        var page = await NewPageAsync();
        await page.SignInAsync(tenant.Token);

        await page.Link("New playbook").ClickAsync();

        var missing = new List<string>();
        foreach (var label in Labels)
        {
            if (await page.Field(label).CountAsync() == 0)
            {
                missing.Add(label);
            }
        }
        Assert.True(missing.Count == 0, $"No control labelled: {string.Join(", ", missing)}");
        await Expect(page.Button("Save")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Creating_through_the_form_shows_the_apis_field_error_next_to_the_field_then_saves_when_fixed()
    {
        var tenant = await App.NewTenantAsync();
        var page = await NewPageAsync();
        await page.SignInAsync(tenant.Token);
        await page.Link("New playbook").ClickAsync();

        // Blank after trimming: the browser lets it through, the API says why it is wrong.
        await SetAsync(page, "Name", "   ");
        await SetAsync(page, "Mode", "outbound");
        await SetAsync(page, "Buddy", "prospect");
        await SetAsync(page, "Hypothesis", "Growth leaders buy in their first 90 days");
        await SetAsync(page, "Success target", "0.2");
        await page.Button("Save").ClickAsync();

        await Expect(page.GetByText("must be 1 to 200 characters")).ToBeVisibleAsync();
        await Expect(page.Field("Name")).ToHaveAccessibleDescriptionAsync(DashboardUi.Containing("must be 1 to 200 characters"));
        var none = await (await tenant.Client.GetAsync("/v1/playbooks")).BodyAsync();
        Assert.Empty(none["playbooks"]!.AsArray());

        await SetAsync(page, "Name", "Made in the form");
        await page.Button("Save").ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "Made in the form", Exact = true })).ToBeVisibleAsync();
        var list = await (await tenant.Client.GetAsync("/v1/playbooks")).BodyAsync();
        var made = Assert.Single(list["playbooks"]!.AsArray())!;
        Assert.Equal("Made in the form", made.Str("name"));
        Assert.Equal("outbound", made.Str("mode"));
        Assert.Equal("prospect", made.Str("buddyId"));
        Assert.Equal("Growth leaders buy in their first 90 days", made.Str("strategy.hypothesis"));
        Assert.Equal(0.2, made.Walk("strategy.successTarget")!.GetValue<double>(), 9);
    }

    [Fact]
    public async Task Editing_saves_the_changed_fields_as_a_new_version()
    {
        var tenant = await App.NewTenantAsync();
        var playbook = await CreatePlaybookAsync(tenant, "Series B SaaS");
        var page = await NewPageAsync();
        await page.SignInAsync(tenant.Token);
        await page.OpenPlaybookAsync("Series B SaaS");

        await page.Link("Edit").ClickAsync();
        await Expect(page.Field("Name")).ToHaveValueAsync("Series B SaaS");
        await SetAsync(page, "Name", "Series C SaaS");
        await SetAsync(page, "Success target", "0.35");
        await SetAsync(page, "Pivot window (days)", "21");
        await page.Button("Save").ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "Series C SaaS", Exact = true })).ToBeVisibleAsync();
        var saved = await GetPlaybookAsync(tenant, playbook.Id());
        Assert.Equal("Series C SaaS", saved.Str("name"));
        Assert.Equal(0.35, saved.Walk("strategy.successTarget")!.GetValue<double>(), 9);
        Assert.Equal(21, saved.Walk("adaptation.pivotWindowDays")!.GetValue<int>());
        Assert.Equal(2, saved["version"]!.GetValue<int>());
        Assert.Equal(playbook.Str("strategy.hypothesis"), saved.Str("strategy.hypothesis"));
    }

    [Fact]
    public async Task A_concurrent_edit_shows_the_conflict_and_overwrites_nothing()
    {
        var tenant = await App.NewTenantAsync();
        var playbook = await CreatePlaybookAsync(tenant, "Series B SaaS");
        var page = await NewPageAsync();
        await page.SignInAsync(tenant.Token);
        await page.OpenPlaybookAsync("Series B SaaS");
        await page.Link("Edit").ClickAsync();
        await Expect(page.Field("Name")).ToHaveValueAsync("Series B SaaS");

        // Someone else saves while the form is open.
        var elsewhere = await tenant.Client.PutAsJsonAsync($"/v1/playbooks/{playbook.Id()}", new { name = "Renamed elsewhere" });
        elsewhere.EnsureSuccessStatusCode();
        await SetAsync(page, "Hypothesis", "Written in the browser");
        await page.Button("Save").ClickAsync();

        await Expect(page.GetByText(DashboardUi.Containing("changed")).First).ToBeVisibleAsync();
        // It shows the newer values it met.
        Assert.Contains("Renamed elsewhere", await page.ContentAsync(), StringComparison.Ordinal);
        var kept = await GetPlaybookAsync(tenant, playbook.Id());
        Assert.Equal("Renamed elsewhere", kept.Str("name"));
        Assert.Equal(playbook.Str("strategy.hypothesis"), kept.Str("strategy.hypothesis"));
        Assert.Equal(2, kept["version"]!.GetValue<int>());
    }
}
