using System.Net;
using System.Net.Http.Json;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Dashboard;

/// <summary>The Activity and Webhooks pages (events.md through the dashboard).</summary>
public abstract partial class DashboardTests
{
    /// <summary>A public address as a literal: the SSRF check passes without DNS (the machines here have none).</summary>
    private const string PublicUrl = "https://93.184.215.14/hooks/playbooks";

    private async Task<string> CreateWebhookAsync(Tenant tenant) =>
        (await (await tenant.Client.PostAsJsonAsync("/v1/webhooks", new { url = PublicUrl, events = new[] { "run.ended" } }))
            .ExpectAsync(HttpStatusCode.Created))["webhook"]!.Id();

    /// <summary>The secret as the page shows it (Razor writes + and = as character references).</summary>
    private static string Secret(string html)
    {
        var match = System.Text.RegularExpressions.Regex.Match(html, "<code id=\"webhook-secret\">([^<]+)</code>");
        Assert.True(match.Success, "The answer shows no secret.");
        var secret = WebUtility.HtmlDecode(match.Groups[1].Value);
        Assert.Matches("^whsec_[A-Za-z0-9+/]{43}=$", secret);
        return secret;
    }

    /// <summary>
    /// Waits (polling the feed, never a fixed sleep) until the workspace's last <paramref name="count"/> events are
    /// visible: on PostgreSQL an event shows only once every older transaction in the server has ended, and other
    /// tests' transactions run beside this one.
    /// </summary>
    private static async Task UntilSettledAsync(Tenant tenant, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await (await tenant.Client.GetAsync("/v1/events?limit=100")).ExpectAsync(HttpStatusCode.OK))["events"]!.AsArray().Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Fewer than {count} events ever became visible.");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Activity_shows_the_events_newest_first_linked_to_their_playbooks_and_runs()
    {
        var tenant = await app.NewTenantAsync();
        var kept = (await tenant.Client.CreatePlaybookAsync(new { name = "Kept", mode = "outbound", buddyId = "prospect", strategy = new { hypothesis = "x" } })).Id();
        var runId = (await (await tenant.Client.PostAsync($"/v1/playbooks/{kept}/run", null)).ExpectAsync(HttpStatusCode.Created))["run"]!.Id();
        var gone = (await tenant.Client.CreatePlaybookAsync()).Id();
        await (await tenant.Client.DeleteAsync($"/v1/playbooks/{gone}")).ExpectAsync(HttpStatusCode.OK);
        var webhookId = await CreateWebhookAsync(tenant);
        await (await tenant.Client.PostAsync($"/v1/webhooks/{webhookId}/ping", null)).ExpectAsync(HttpStatusCode.Accepted);
        await UntilSettledAsync(tenant, 4);
        var browser = Browser();
        await SignInAsync(browser, tenant.Token);

        var response = await browser.GetAsync("/app/activity");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        int At(string text)
        {
            var index = html.IndexOf(text, StringComparison.Ordinal);
            Assert.True(index >= 0, $"The page lacks {text}");
            return index;
        }
        Assert.True(At("<code>playbook.deleted</code>") < At("<code>run.started</code>"));
        // Kept's creation is the oldest event: the last row.
        Assert.True(At("<code>run.started</code>") < html.LastIndexOf("<code>playbook.created</code>", StringComparison.Ordinal));
        Assert.Contains($"<a href=\"/app/playbooks/{kept}\">Kept</a>", html, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"/app/playbooks/{kept}/runs/{runId}\">{runId}</a>", html, StringComparison.Ordinal);
        Assert.DoesNotContain($"href=\"/app/playbooks/{gone}\"", html, StringComparison.Ordinal);
        Assert.Contains($"(deleted: {gone})", html, StringComparison.Ordinal);
        Assert.DoesNotContain("webhook.ping</code>", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"/app/activity\" aria-current=\"page\">Activity</a>", html, StringComparison.Ordinal);

        var filtered = await (await browser.GetAsync("/app/activity?type=run.started")).Content.ReadAsStringAsync();
        Assert.Contains("<code>run.started</code>", filtered, StringComparison.Ordinal);
        Assert.DoesNotContain("<code>playbook.created</code>", filtered, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Activity_pages_with_Older_and_shows_each_event_once()
    {
        var tenant = await app.NewTenantAsync();
        for (var i = 0; i < 52; i++)
        {
            await tenant.Client.CreatePlaybookAsync(new { name = $"P{i:00}", mode = "outbound", buddyId = "prospect", strategy = new { hypothesis = "x" } });
        }
        await UntilSettledAsync(tenant, 52);
        var browser = Browser();
        await SignInAsync(browser, tenant.Token);

        var first = await (await browser.GetAsync("/app/activity")).Content.ReadAsStringAsync();
        var older = System.Text.RegularExpressions.Regex.Match(first, "<a href=\"(/app/activity\\?before=evt_[^\"]+)\">Older</a>");
        Assert.True(older.Success, "The first page has no Older link.");
        var second = await (await browser.GetAsync(older.Groups[1].Value)).Content.ReadAsStringAsync();

        Assert.Contains(">P51</a>", first, StringComparison.Ordinal);
        Assert.Contains(">P02</a>", first, StringComparison.Ordinal);
        Assert.DoesNotContain(">P01</a>", first, StringComparison.Ordinal);
        Assert.Contains(">P01</a>", second, StringComparison.Ordinal);
        Assert.Contains(">P00</a>", second, StringComparison.Ordinal);
        Assert.DoesNotContain(">P02</a>", second, StringComparison.Ordinal);
        Assert.DoesNotContain(">Older</a>", second, StringComparison.Ordinal);
        Assert.True(second.IndexOf(">P01</a>", StringComparison.Ordinal) < second.IndexOf(">P00</a>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_webhook_form_shows_the_APIs_url_refusal_then_the_secret_once_and_not_cached()
    {
        var tenant = await app.NewTenantAsync();
        var browser = Browser();
        await SignInAsync(browser, tenant.Token);
        var page = await (await browser.GetAsync("/app/webhooks")).Content.ReadAsStringAsync();
        Assert.Contains(">Create webhook</button>", page, StringComparison.Ordinal);
        Assert.Contains("<label for=\"webhook-url\">URL</label>", page, StringComparison.Ordinal);

        var refused = await PostFormAsync(browser, "/app/webhooks", "/app/webhooks", ("url", "http://127.0.0.1:8080/hook"), ("events", "run.ended"));
        var refusedHtml = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("id=\"url-error\">must be on the public internet: 127.0.0.1 is a loopback address (127.0.0.1)<", refusedHtml, StringComparison.Ordinal);
        Assert.Contains("value=\"http://127.0.0.1:8080/hook\"", refusedHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("whsec_", refusedHtml, StringComparison.Ordinal);

        var created = await PostFormAsync(browser, "/app/webhooks", "/app/webhooks",
            ("url", PublicUrl), ("events", "run.ended"), ("events", "pivot.created"), ("description", "CRM relay"));
        var createdHtml = await created.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.True(created.Headers.CacheControl?.NoStore);
        var secret = Secret(createdHtml);
        Assert.Contains("will not be shown again", createdHtml, StringComparison.Ordinal);
        var webhook = Assert.Single((await (await tenant.Client.GetAsync("/v1/webhooks")).ExpectAsync(HttpStatusCode.OK))["webhooks"]!.AsArray())!;
        Assert.Equal(PublicUrl, webhook.Str("url"));
        Assert.Equal(["run.ended", "pivot.created"], webhook["events"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal("CRM relay", webhook.Str("description"));
        var again = await (await browser.GetAsync("/app/webhooks")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(secret, WebUtility.HtmlDecode(again), StringComparison.Ordinal);
        Assert.DoesNotContain("whsec_", await (await browser.GetAsync($"/app/webhooks/{webhook.Id()}")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_editor_pings_redelivers_disables_and_rotates_from_the_webhook_page()
    {
        var tenant = await app.NewTenantAsync();
        var id = await CreateWebhookAsync(tenant);
        var browser = Browser();
        await SignInAsync(browser, tenant.Token);
        var page = await (await browser.GetAsync($"/app/webhooks/{id}")).Content.ReadAsStringAsync();
        foreach (var button in new[] { ">Ping</button>", ">Rotate secret</button>", ">Disable</button>", ">Delete</button>" })
        {
            Assert.Contains(button, page, StringComparison.Ordinal);
        }

        var ping = await PostFormAsync(browser, $"/app/webhooks/{id}?handler=Ping", $"/app/webhooks/{id}");
        Assert.Equal(HttpStatusCode.Found, ping.StatusCode);
        var deliveries = (await (await tenant.Client.GetAsync($"/v1/webhooks/{id}/deliveries")).ExpectAsync(HttpStatusCode.OK))["deliveries"]!.AsArray();
        var delivery = Assert.Single(deliveries)!;
        Assert.Equal("webhook.ping", delivery.Str("eventType"));
        var withDelivery = await (await browser.GetAsync($"/app/webhooks/{id}")).Content.ReadAsStringAsync();
        Assert.Contains("<code>webhook.ping</code>", withDelivery, StringComparison.Ordinal);
        Assert.Contains($"name=\"deliveryId\" value=\"{delivery.Id()}\"", withDelivery, StringComparison.Ordinal);
        Assert.Contains(">Redeliver</button>", withDelivery, StringComparison.Ordinal);

        var redeliver = await PostFormAsync(browser, $"/app/webhooks/{id}?handler=Redeliver", $"/app/webhooks/{id}", ("deliveryId", delivery.Id()));
        Assert.Equal(HttpStatusCode.Found, redeliver.StatusCode);
        var again = (await (await tenant.Client.GetAsync($"/v1/webhooks/{id}/deliveries")).ExpectAsync(HttpStatusCode.OK))["deliveries"]!.AsArray();
        Assert.Equal(2, again.Count);
        Assert.Equal(delivery.Str("eventId"), again[0]!.Str("eventId"));

        await PostFormAsync(browser, $"/app/webhooks/{id}?handler=Enabled", $"/app/webhooks/{id}", ("enabled", "false"));
        var disabled = (await (await tenant.Client.GetAsync($"/v1/webhooks/{id}")).ExpectAsync(HttpStatusCode.OK))["webhook"]!;
        Assert.False(disabled["enabled"]!.GetValue<bool>());
        Assert.Contains(">Enable</button>", await (await browser.GetAsync($"/app/webhooks/{id}")).Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var rotated = await PostFormAsync(browser, $"/app/webhooks/{id}?handler=Rotate", $"/app/webhooks/{id}");
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.True(rotated.Headers.CacheControl?.NoStore);
        Secret(await rotated.Content.ReadAsStringAsync());

        var confirm = await browser.GetAsync($"/app/webhooks/{id}/delete");
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        var deleted = await PostFormAsync(browser, $"/app/webhooks/{id}/delete", $"/app/webhooks/{id}/delete");
        Assert.Equal("/app/webhooks", deleted.Headers.Location?.OriginalString);
        await (await tenant.Client.GetAsync($"/v1/webhooks/{id}")).ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_viewer_sees_activity_and_webhooks_without_controls_and_its_forged_posts_are_refused()
    {
        var editor = await app.NewTenantAsync();
        var id = await CreateWebhookAsync(editor);
        await editor.Client.CreatePlaybookAsync();
        await UntilSettledAsync(editor, 1);
        var (_, viewerSecret) = await app.CreateTokenAsync("viewer_1", (editor.WorkspaceId, "viewer"));
        var browser = Browser();
        await SignInAsync(browser, viewerSecret);

        var activity = await browser.GetAsync("/app/activity");
        var list = await (await browser.GetAsync("/app/webhooks")).Content.ReadAsStringAsync();
        var detail = await (await browser.GetAsync($"/app/webhooks/{id}")).Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, activity.StatusCode);
        Assert.Contains("<code>playbook.created</code>", await activity.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains(PublicUrl, list, StringComparison.Ordinal);
        Assert.DoesNotContain(">Create webhook</button>", list, StringComparison.Ordinal);
        Assert.Contains("viewer grant", list, StringComparison.Ordinal);
        foreach (var button in new[] { ">Ping</button>", ">Rotate secret</button>", ">Disable</button>", ">Delete</button>" })
        {
            Assert.DoesNotContain(button, detail, StringComparison.Ordinal);
        }
        Assert.Contains("viewer grant", detail, StringComparison.Ordinal);

        // The viewer's own antiforgery token, from a page it may read: only the permission stops it.
        var create = await PostFormAsync(browser, "/app/webhooks", "/app/webhooks", ("url", PublicUrl));
        var ping = await PostFormAsync(browser, $"/app/webhooks/{id}?handler=Ping", $"/app/webhooks/{id}");
        var rotate = await PostFormAsync(browser, $"/app/webhooks/{id}?handler=Rotate", $"/app/webhooks/{id}");
        var disable = await PostFormAsync(browser, $"/app/webhooks/{id}?handler=Enabled", $"/app/webhooks/{id}", ("enabled", "false"));
        var delete = await PostFormAsync(browser, $"/app/webhooks/{id}/delete", $"/app/webhooks/{id}");

        foreach (var refused in new[] { create, ping, rotate, disable, delete })
        {
            Assert.Equal(HttpStatusCode.Found, refused.StatusCode);
            Assert.Equal("/app/forbidden?why=insufficient_role", refused.Headers.Location?.OriginalString);
        }
        var webhooks = (await (await editor.Client.GetAsync("/v1/webhooks")).ExpectAsync(HttpStatusCode.OK))["webhooks"]!.AsArray();
        var webhook = Assert.Single(webhooks)!;
        Assert.True(webhook["enabled"]!.GetValue<bool>());
        Assert.Empty((await (await editor.Client.GetAsync($"/v1/webhooks/{id}/deliveries")).ExpectAsync(HttpStatusCode.OK))["deliveries"]!.AsArray());
    }
}
