using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Webhooks;

/// <summary>
/// Deliveries to a real HTTP receiver that verifies each one with a Standard Webhooks library:
/// the body is the event of the feed, retries follow failures and timeouts, 410 and five failing
/// days disable the endpoint, and a rotated secret signs beside the old one for a day.
/// </summary>
public abstract class WebhookDeliveryTests(Provider provider) : IAsyncLifetime
{
    private readonly PlaybooksApp app = new(provider, settings: new Dictionary<string, string>
    {
        ["Playbooks:Webhooks:AllowPrivateNetworks"] = "true",
        ["Playbooks:Webhooks:PollInterval"] = "00:00:00.050",
        ["Playbooks:Webhooks:Timeout"] = "00:00:01",
    });

    private WebhookReceiver receiver = null!;
    private Tenant tenant = null!;

    public async Task InitializeAsync()
    {
        receiver = await WebhookReceiver.StartAsync();
        tenant = await app.NewTenantAsync();
    }

    public async Task DisposeAsync()
    {
        app.Dispose();
        await receiver.DisposeAsync();
    }

    private async Task<(string Id, string Secret)> CreateWebhookAsync(object? events = null)
    {
        var created = await (await tenant.Client.PostAsJsonAsync("/v1/webhooks", new { url = new Uri(receiver.Url, "/hook").ToString(), events }))
            .ExpectAsync(HttpStatusCode.Created);
        return (created["webhook"]!.Id(), created.Str("secret"));
    }

    private async Task<JsonArray> DeliveriesAsync(string webhookId) =>
        (await (await tenant.Client.GetAsync($"/v1/webhooks/{webhookId}/deliveries")).ExpectAsync(HttpStatusCode.OK))["deliveries"]!.AsArray();

    /// <summary>Waits (polling the API, never a fixed sleep) until the newest delivery matches.</summary>
    private async Task<JsonNode> NewestDeliveryAsync(string webhookId, Func<JsonNode, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var deliveries = await DeliveriesAsync(webhookId);
            if (deliveries.Count > 0 && until(deliveries[0]!))
            {
                return deliveries[0]!;
            }
            Assert.True(DateTime.UtcNow < deadline, $"The delivery never got there: {deliveries.ToJsonString()}");
            await Task.Delay(50);
        }
    }

    private async Task<JsonNode> WebhookAsync(string id) =>
        (await (await tenant.Client.GetAsync($"/v1/webhooks/{id}")).ExpectAsync(HttpStatusCode.OK))["webhook"]!;

    [Fact]
    public async Task An_event_arrives_signed_with_the_feed_json_and_the_delivery_is_logged()
    {
        var (webhookId, secret) = await CreateWebhookAsync();
        var playbook = await tenant.Client.CreatePlaybookAsync();

        var delivery = await receiver.NextAsync();
        delivery.Verify(secret);
        Assert.Equal("/hook", delivery.Path);
        Assert.Equal("application/json", delivery.Headers.ContentType.ToString());
        var evt = Assert.Single((await (await tenant.Client.GetAsync("/v1/events")).ExpectAsync(HttpStatusCode.OK))["events"]!.AsArray())!;
        Assert.Equal(evt.Id(), delivery.Id);
        Assert.True(JsonNode.DeepEquals(evt, delivery.Json));
        Assert.True(JsonNode.DeepEquals(playbook, delivery.Json["data"]!["playbook"]));
        Assert.StartsWith("v1,", delivery.Headers["webhook-signature"].ToString());
        Assert.DoesNotContain(" ", delivery.Headers["webhook-signature"].ToString());
        Assert.False(delivery.VerifiesWith("whsec_" + Convert.ToBase64String(new byte[32])));

        var logged = await NewestDeliveryAsync(webhookId, d => d.Str("status") == "succeeded");
        Assert.StartsWith("dlv_", logged.Id());
        Assert.Equal(webhookId, logged.Str("webhookId"));
        Assert.Equal(evt.Id(), logged.Str("eventId"));
        Assert.Equal("playbook.created", logged.Str("eventType"));
        Assert.Equal(1, logged["attempts"]!.GetValue<int>());
        Assert.Equal(200, logged["lastStatusCode"]!.GetValue<int>());
        Assert.Null(logged["lastError"]);
        Assert.Null(logged["nextAttemptAt"]);
    }

    [Fact]
    public async Task An_endpoint_gets_only_the_types_it_asked_for()
    {
        await CreateWebhookAsync(new[] { "run.started" });
        var playbook = await tenant.Client.CreatePlaybookAsync();
        await (await tenant.Client.PostAsync($"/v1/playbooks/{playbook.Id()}/run", null)).ExpectAsync(HttpStatusCode.Created);

        var delivery = await receiver.NextAsync();
        Assert.Equal("run.started", delivery.Json.Str("type"));
        // The playbook.created before it was never sent: the next thing to arrive is the next run.
        await (await tenant.Client.PostAsync($"/v1/playbooks/{playbook.Id()}/run", null)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("run.started", (await receiver.NextAsync()).Json.Str("type"));
    }

    [Fact]
    public async Task A_500_is_retried_after_about_five_seconds_with_the_same_webhook_id()
    {
        var (webhookId, secret) = await CreateWebhookAsync();
        receiver.AnswerWith(500);
        await tenant.Client.CreatePlaybookAsync();

        var first = await receiver.NextAsync();
        var failed = await NewestDeliveryAsync(webhookId, d => d["attempts"]!.GetValue<int>() == 1);
        Assert.Equal("pending", failed.Str("status"));
        Assert.Equal(500, failed["lastStatusCode"]!.GetValue<int>());
        Assert.Equal("HTTP 500", failed.Str("lastError"));
        var wait = DateTimeOffset.Parse(failed.Str("nextAttemptAt"), System.Globalization.CultureInfo.InvariantCulture) - app.Clock.GetUtcNow();
        Assert.InRange(wait.TotalSeconds, 4.5, 5.5);

        app.Clock.Advance(TimeSpan.FromSeconds(6));
        var second = await receiver.NextAsync();
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(first.Body, second.Body);
        second.Verify(secret);
        var succeeded = await NewestDeliveryAsync(webhookId, d => d.Str("status") == "succeeded");
        Assert.Equal(2, succeeded["attempts"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_endpoint_that_does_not_answer_in_time_is_retried()
    {
        var (webhookId, _) = await CreateWebhookAsync();
        receiver.AnswerLate(TimeSpan.FromSeconds(5));
        await tenant.Client.CreatePlaybookAsync();

        var failed = await NewestDeliveryAsync(webhookId, d => d["attempts"]!.GetValue<int>() == 1);
        Assert.Equal("pending", failed.Str("status"));
        Assert.Null(failed["lastStatusCode"]);
        Assert.Equal("no answer within 1 s", failed.Str("lastError"));

        app.Clock.Advance(TimeSpan.FromSeconds(6));
        var succeeded = await NewestDeliveryAsync(webhookId, d => d.Str("status") == "succeeded");
        Assert.Equal(2, succeeded["attempts"]!.GetValue<int>());
    }

    [Fact]
    public async Task Every_retry_fails_until_the_delivery_is_failed()
    {
        var (webhookId, _) = await CreateWebhookAsync();
        receiver.AnswerWith(Enumerable.Repeat(503, 8).ToArray());
        await tenant.Client.CreatePlaybookAsync();

        for (var attempt = 1; attempt <= 8; attempt++)
        {
            var delivery = await NewestDeliveryAsync(webhookId, d => d["attempts"]!.GetValue<int>() == attempt);
            if (attempt < 8)
            {
                Assert.Equal("pending", delivery.Str("status"));
                app.Clock.Advance(TimeSpan.FromHours(11));
            }
            else
            {
                Assert.Equal("failed", delivery.Str("status"));
                Assert.Null(delivery["nextAttemptAt"]);
            }
        }
        Assert.Equal(8, receiver.Pending().Count);
    }

    [Fact]
    public async Task A_410_disables_the_endpoint_until_it_is_enabled_again()
    {
        var (webhookId, _) = await CreateWebhookAsync();
        receiver.AnswerWith(410);
        await tenant.Client.CreatePlaybookAsync();
        await receiver.NextAsync();

        var gone = await NewestDeliveryAsync(webhookId, d => d.Str("status") == "failed");
        Assert.Equal(410, gone["lastStatusCode"]!.GetValue<int>());
        var webhook = await WebhookAsync(webhookId);
        Assert.False(webhook["enabled"]!.GetValue<bool>());
        Assert.Equal("gone", webhook.Str("disabledReason"));

        // Disabled: the next event makes no delivery. Another endpoint hearing of it shows it was dispatched.
        var (otherId, _) = await CreateWebhookAsync();
        await tenant.Client.CreatePlaybookAsync();
        await receiver.NextAsync();
        await NewestDeliveryAsync(otherId, d => d.Str("status") == "succeeded");
        var enabled = await (await tenant.Client.PatchAsync($"/v1/webhooks/{webhookId}", Http.Json("""{ "enabled": true }"""))).ExpectAsync(HttpStatusCode.OK);
        Assert.True(enabled["webhook"]!["enabled"]!.GetValue<bool>());
        Assert.Null(enabled["webhook"]!["disabledReason"]);
        var third = await tenant.Client.CreatePlaybookAsync();
        var delivered = await NewestDeliveryAsync(webhookId, d => d.Str("status") == "succeeded");
        var thirdEvent = await (await tenant.Client.GetAsync($"/v1/events/{delivered.Str("eventId")}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(third.Id(), thirdEvent.Str("event.data.playbook.id"));
        Assert.Equal(2, (await DeliveriesAsync(webhookId)).Count);
    }

    [Fact]
    public async Task An_endpoint_failing_for_five_days_is_disabled()
    {
        var (webhookId, _) = await CreateWebhookAsync();
        receiver.AnswerWith(Enumerable.Repeat(500, 100).ToArray());
        await tenant.Client.CreatePlaybookAsync();
        await NewestDeliveryAsync(webhookId, d => d["attempts"]!.GetValue<int>() == 1);
        Assert.True((await WebhookAsync(webhookId))["enabled"]!.GetValue<bool>());

        app.Clock.Advance(TimeSpan.FromDays(5) + TimeSpan.FromMinutes(1));
        await tenant.Client.CreatePlaybookAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonNode webhook;
        while ((webhook = await WebhookAsync(webhookId))["enabled"]!.GetValue<bool>())
        {
            Assert.True(DateTime.UtcNow < deadline, "The endpoint was never disabled.");
            await Task.Delay(50);
        }
        Assert.Equal("failing", webhook.Str("disabledReason"));
    }

    [Fact]
    public async Task A_success_in_between_restarts_the_five_days()
    {
        var (webhookId, _) = await CreateWebhookAsync();
        receiver.AnswerWith(500);
        await tenant.Client.CreatePlaybookAsync();
        await NewestDeliveryAsync(webhookId, d => d["attempts"]!.GetValue<int>() == 1);
        app.Clock.Advance(TimeSpan.FromSeconds(6));
        await NewestDeliveryAsync(webhookId, d => d.Str("status") == "succeeded");

        app.Clock.Advance(TimeSpan.FromDays(5) + TimeSpan.FromMinutes(1));
        receiver.Pending();
        receiver.AnswerWith(500);
        await tenant.Client.CreatePlaybookAsync();
        await NewestDeliveryAsync(webhookId, d => d["attempts"]!.GetValue<int>() == 1 && d.Str("status") == "pending");
        Assert.True((await WebhookAsync(webhookId))["enabled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task After_a_rotation_both_secrets_sign_for_24_hours_then_only_the_new_one()
    {
        var (webhookId, oldSecret) = await CreateWebhookAsync();
        var rotated = await tenant.Client.PostAsync($"/v1/webhooks/{webhookId}/rotate-secret", null);
        var body = await rotated.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("no-store", rotated.Headers.CacheControl?.ToString());
        var newSecret = body.Str("secret");
        Assert.NotEqual(oldSecret, newSecret);
        Assert.Equal(webhookId, body["webhook"]!.Id());

        await tenant.Client.CreatePlaybookAsync();
        var during = await receiver.NextAsync();
        Assert.Equal(2, during.Headers["webhook-signature"].ToString().Split(' ').Length);
        during.Verify(newSecret);
        during.Verify(oldSecret);

        app.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));
        await tenant.Client.CreatePlaybookAsync();
        var after = await receiver.NextAsync();
        Assert.Single(after.Headers["webhook-signature"].ToString().Split(' '));
        after.Verify(newSecret);
        Assert.False(after.VerifiesWith(oldSecret));
    }

    [Fact]
    public async Task A_ping_goes_to_that_endpoint_only_and_stays_out_of_the_feed()
    {
        var (webhookId, secret) = await CreateWebhookAsync();
        var (otherId, _) = await CreateWebhookAsync();
        HttpRequestMessage PingRequest()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/webhooks/{webhookId}/ping");
            request.Headers.Add("Idempotency-Key", "ping-once");
            return request;
        }
        var ping = await (await tenant.Client.SendAsync(PingRequest())).ExpectAsync(HttpStatusCode.Accepted);
        // Retried with its key, the ping is the same one: one delivery.
        var replay = await (await tenant.Client.SendAsync(PingRequest())).ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal(ping["delivery"]!.Id(), replay["delivery"]!.Id());
        Assert.Equal("webhook.ping", ping.Str("delivery.eventType"));
        Assert.Equal("pending", ping.Str("delivery.status"));

        var delivery = await receiver.NextAsync();
        delivery.Verify(secret);
        Assert.Equal("webhook.ping", delivery.Json.Str("type"));
        Assert.Equal(webhookId, delivery.Json.Str("data.webhookId"));
        Assert.Equal(ping.Str("delivery.eventId"), delivery.Id);
        await NewestDeliveryAsync(webhookId, d => d.Str("status") == "succeeded");
        Assert.Empty(await DeliveriesAsync(otherId));
        Assert.Empty((await (await tenant.Client.GetAsync("/v1/events")).ExpectAsync(HttpStatusCode.OK))["events"]!.AsArray());
    }

    [Fact]
    public async Task Redeliver_sends_the_same_event_again_as_a_new_delivery()
    {
        var (webhookId, secret) = await CreateWebhookAsync();
        await tenant.Client.CreatePlaybookAsync();
        var first = await receiver.NextAsync();
        var original = await NewestDeliveryAsync(webhookId, d => d.Str("status") == "succeeded");

        var again = await (await tenant.Client.PostAsync($"/v1/webhooks/{webhookId}/deliveries/{original.Id()}/redeliver", null)).ExpectAsync(HttpStatusCode.Accepted);
        Assert.NotEqual(original.Id(), again["delivery"]!.Id());
        Assert.Equal(original.Str("eventId"), again.Str("delivery.eventId"));
        var second = await receiver.NextAsync();
        second.Verify(secret);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(first.Body, second.Body);
        Assert.Equal(2, (await DeliveriesAsync(webhookId)).Count);

        await (await tenant.Client.PostAsync($"/v1/webhooks/{webhookId}/deliveries/dlv_01KB0000000000000000000000/redeliver", null))
            .ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    public sealed class OnSqlite() : WebhookDeliveryTests(Provider.Sqlite);

    public sealed class OnPostgres() : WebhookDeliveryTests(Provider.Postgres);
}
