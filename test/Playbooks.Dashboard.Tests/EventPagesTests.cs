using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Playbooks.Api.Tests.Infrastructure;
using Playbooks.Dashboard.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Playbooks.Dashboard.Tests;

/// <summary>Activity and Webhooks (events.md), reached by their navigation links.</summary>
public sealed class EventPagesTests(DashboardServer server, Chromium chromium) : BrowserTest(server, chromium)
{
    [Fact]
    public async Task Activity_lists_the_events_newest_first_linked_to_their_playbook_and_run()
    {
        var tenant = await App.NewTenantAsync();
        var playbook = await CreatePlaybookAsync(tenant, "Series B SaaS");
        var runId = await RunWithOutcomesAsync(tenant, playbook.Id());
        var page = await NewPageAsync();
        await page.SignInAsync(tenant.Token);

        await page.Navigation("Activity").ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "Activity" })).ToBeVisibleAsync();
        var rows = page.Locator("main table tbody tr");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(0)).ToContainTextAsync("run.started");
        await Expect(rows.Nth(1)).ToContainTextAsync("playbook.created");
        await rows.Nth(0).Link(runId).ClickAsync();
        await Expect(page).ToHaveURLAsync(DashboardUi.Containing($"/app/playbooks/{playbook.Id()}/runs/{runId}"));

        await page.Navigation("Activity").ClickAsync();
        await rows.Nth(1).Link("Series B SaaS").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = "Series B SaaS" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_webhook_made_in_the_form_shows_its_secret_once_and_its_ping_is_delivered_and_listed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await App.NewTenantAsync();
        var page = await NewPageAsync();
        await page.SignInAsync(tenant.Token);
        await page.Navigation("Webhooks").ClickAsync();

        // Refused by the API's own check, shown next to the field.
        await page.Field("URL").FillAsync("http://someone:secret@127.0.0.1/hook");
        await page.Button("Create webhook").ClickAsync();
        await Expect(page.Field("URL")).ToHaveAccessibleDescriptionAsync(DashboardUi.Containing("must not contain user info"));
        await Expect(page.GetByText("whsec_")).ToHaveCountAsync(0);

        var url = new Uri(receiver.Url, "/hooks/playbooks").ToString();
        await page.Field("URL").FillAsync(url);
        await page.Field("run.ended").CheckAsync();
        await page.Field("Description").FillAsync("CRM relay");
        await page.Button("Create webhook").ClickAsync();

        var secretBox = page.Locator("#webhook-secret");
        await Expect(secretBox).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^whsec_"));
        await Expect(page.GetByText("it will not be shown again")).ToBeVisibleAsync();
        var secret = await secretBox.TextContentAsync();
        await page.Link("Open the new webhook").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1, Name = url })).ToBeVisibleAsync();
        await Expect(page.GetByText("whsec_")).ToHaveCountAsync(0);

        await page.Button("Ping").ClickAsync();

        var delivery = await receiver.NextAsync();
        delivery.Verify(secret!);
        Assert.Equal("webhook.ping", delivery.Json["type"]!.GetValue<string>());
        var webhookId = (await (await tenant.Client.GetAsync("/v1/webhooks")).ExpectAsync(HttpStatusCode.OK))["webhooks"]![0]!.Id();
        await UntilDeliveredAsync(tenant, webhookId);
        await page.ReloadAsync();
        var row = page.Locator("main table tbody tr").First;
        await Expect(row).ToContainTextAsync("webhook.ping");
        await Expect(row.Locator(".badge")).ToHaveTextAsync("succeeded");
        await Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("200");

        await row.Button("Redeliver").ClickAsync();
        await Expect(page.Locator("main table tbody tr")).ToHaveCountAsync(2);
        var again = await receiver.NextAsync();
        Assert.Equal(delivery.Id, again.Id);
    }

    [Fact]
    public async Task A_viewer_sees_the_webhooks_without_any_control()
    {
        var editor = await App.NewTenantAsync();
        var created = await (await editor.Client.PostAsync("/v1/webhooks", System.Net.Http.Json.JsonContent.Create(new { url = "http://127.0.0.1:9/hook" })))
            .ExpectAsync(HttpStatusCode.Created);
        var (_, viewerSecret) = await App.CreateTokenAsync("viewer_1", (editor.WorkspaceId, "viewer"));
        var page = await NewPageAsync();
        await page.SignInAsync(viewerSecret);

        await page.Navigation("Webhooks").ClickAsync();

        await Expect(page.Link("http://127.0.0.1:9/hook")).ToBeVisibleAsync();
        await Expect(page.Button("Create webhook")).ToHaveCountAsync(0);
        await Expect(page.GetByText("viewer grant")).ToBeVisibleAsync();
        await page.Link("http://127.0.0.1:9/hook").ClickAsync();
        await Expect(page).ToHaveURLAsync(DashboardUi.Containing(created["webhook"]!.Id()));
        foreach (var button in new[] { "Ping", "Rotate secret", "Disable", "Delete", "Redeliver" })
        {
            await Expect(page.Button(button)).ToHaveCountAsync(0);
        }
        await Expect(page.GetByText("viewer grant")).ToBeVisibleAsync();
    }

    /// <summary>Waits (polling the API, never a fixed sleep) until the endpoint's newest delivery succeeded.</summary>
    private static async Task UntilDeliveredAsync(Tenant tenant, string webhookId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var deliveries = (await (await tenant.Client.GetAsync($"/v1/webhooks/{webhookId}/deliveries")).ExpectAsync(HttpStatusCode.OK))["deliveries"]!.AsArray();
            if (deliveries.Count > 0 && deliveries[0]!.Str("status") == "succeeded")
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"The ping was never recorded as delivered: {deliveries.ToJsonString()}");
            await Task.Delay(50);
        }
    }
}
