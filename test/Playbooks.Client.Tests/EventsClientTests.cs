using System.Net;
using System.Text.Json.Nodes;
using Playbooks.Api.Tests.Infrastructure;
using Playbooks.Client;

namespace Playbooks.Client.Tests;

/// <summary>The client's events feed and webhook calls against the real server pipeline (in memory, its own database).</summary>
public sealed class EventsClientTests : IDisposable
{
    // Webhook URLs point at loopback, where nothing listens; deliveries themselves are the server tests' business.
    private readonly PlaybooksApp app = new(Provider.Sqlite, settings: new Dictionary<string, string> { ["Playbooks:Webhooks:AllowPrivateNetworks"] = "true" });

    public void Dispose() => app.Dispose();

    private async Task<PlaybooksClient> ClientAsync() => new(app.ClientWithToken((await app.NewTenantAsync()).Token));

    private static JsonObject Spec(string name) => new()
    {
        ["name"] = name,
        ["mode"] = "outbound",
        ["buddyId"] = "prospect",
        ["strategy"] = new JsonObject { ["hypothesis"] = "H" },
    };

    [Fact]
    public async Task The_feed_reads_typed_events_page_after_page_with_a_type_filter()
    {
        var client = await ClientAsync();
        var first = await client.CreatePlaybookAsync(Spec("First"));
        await client.UpdatePlaybookAsync(first.Id, new JsonObject { ["name"] = "Renamed" });
        var second = await client.CreatePlaybookAsync(Spec("Second"));

        var created = await client.ListAllEventsAsync(types: [EventTypes.PlaybookCreated], pageSize: 1).ToListAsync();
        var page = await client.ListEventsAsync(limit: 1);
        var all = await client.ListAllEventsAsync().ToListAsync();

        Assert.Equal([first.Id, second.Id], created.Select(e => e.Data.GetProperty("playbook").GetProperty("id").GetString()));
        Assert.Equal([EventTypes.PlaybookCreated, EventTypes.PlaybookUpdated, EventTypes.PlaybookCreated], all.Select(e => e.Type));
        Assert.Equal(all[0].Id, page.NextCursor);
        Assert.Empty((await client.ListEventsAsync(after: all[^1].Id)).Items);
        Assert.Null((await client.ListEventsAsync(after: all[^1].Id)).NextCursor);
        var one = await client.GetEventAsync(all[1].Id);
        Assert.Equal((all[1].Type, all[1].OccurredAt, "user_42"), (one.Type, one.OccurredAt, one.Subject));
        Assert.Equal(1, one.Data.GetProperty("previousVersion").GetInt32());
    }

    [Fact]
    public async Task Following_yields_events_recorded_later_and_ends_when_cancelled()
    {
        var client = await ClientAsync();
        var first = await client.CreatePlaybookAsync(Spec("First"));
        string? secondId = null;
        var seen = new List<string?>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var e in client.FollowEventsAsync(types: [EventTypes.PlaybookCreated], interval: TimeSpan.FromMilliseconds(50), cancellationToken: stop.Token))
            {
                seen.Add(e.Data.GetProperty("playbook").GetProperty("id").GetString());
                if (seen.Count == 1)
                {
                    // Recorded after the follower caught up: it comes from a later poll.
                    await client.UpdatePlaybookAsync(first.Id, new JsonObject { ["name"] = "Not a creation" });
                    secondId = (await client.CreatePlaybookAsync(Spec("Second"))).Id;
                }
                else
                {
                    await stop.CancelAsync();
                }
            }
        });

        Assert.Equal([first.Id, secondId], seen);
    }

    [Fact]
    public async Task Webhook_calls_round_trip_typed()
    {
        var client = await ClientAsync();

        var issued = await client.CreateWebhookAsync("http://127.0.0.1:9/hooks", [EventTypes.RunEnded], "Slack relay");
        var webhook = issued.Webhook;
        var listed = await client.ListWebhooksAsync();
        var disabled = await client.UpdateWebhookAsync(webhook.Id, new WebhookChanges(Enabled: false, Description: "Paused"));
        var everyType = await client.UpdateWebhookAsync(webhook.Id, new WebhookChanges(Events: [], Enabled: true));
        var rotated = await client.RotateWebhookSecretAsync(webhook.Id);
        var ping = await client.PingWebhookAsync(webhook.Id);
        var again = await client.RedeliverAsync(webhook.Id, ping.Id);
        var deliveries = await client.ListAllDeliveriesAsync(webhook.Id).ToListAsync();

        Assert.StartsWith("wh_", webhook.Id, StringComparison.Ordinal);
        Assert.StartsWith("whsec_", issued.Secret, StringComparison.Ordinal);
        Assert.Equal([EventTypes.RunEnded], webhook.Events);
        Assert.Equal(("Slack relay", true, null), (webhook.Description, webhook.Enabled, webhook.DisabledReason));
        Assert.Equal([webhook.Id], listed.Select(w => w.Id));
        Assert.Equal((false, "Paused"), (disabled.Enabled, disabled.Description));
        Assert.Equal((true, 0), (everyType.Enabled, everyType.Events.Count));
        Assert.Equal(webhook.Url, (await client.GetWebhookAsync(webhook.Id)).Url);
        Assert.NotEqual(issued.Secret, rotated.Secret);
        Assert.Equal((EventTypes.WebhookPing, webhook.Id), (ping.EventType, ping.WebhookId));
        Assert.Equal(ping.EventId, again.EventId);
        Assert.Contains(ping.Id, deliveries.Select(d => d.Id));

        await client.DeleteWebhookAsync(webhook.Id);
        var gone = await Assert.ThrowsAsync<PlaybooksApiException>(() => client.GetWebhookAsync(webhook.Id));
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), (gone.Status, gone.Code));
        var refused = await Assert.ThrowsAsync<PlaybooksApiException>(() => client.CreateWebhookAsync("ftp://example.com/x"));
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (refused.Status, refused.Code));
        Assert.Contains("url", refused.Errors.Keys);
    }
}
