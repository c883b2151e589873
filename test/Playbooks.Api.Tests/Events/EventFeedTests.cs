using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Events;

/// <summary>
/// The feed of events.md section 1 over HTTP: each change writes its event with the API's own JSON,
/// the feed pages oldest first by the last event's id, filters by type, and shows nothing of
/// another workspace.
/// </summary>
public abstract class EventFeedTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// The feed, once it holds at least <paramref name="atLeast"/> events. On PostgreSQL an event
    /// shows only when every transaction older than its own has ended, and other tests write to
    /// the same server meanwhile (creating a database for each takes seconds under load): a
    /// committed event may take a moment to show, never to be lost.
    /// </summary>
    private static async Task<JsonArray> FeedAsync(HttpClient client, string query = "", int atLeast = 0)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var events = (await (await client.GetAsync($"/v1/events{query}")).ExpectAsync(HttpStatusCode.OK))["events"]!.AsArray();
            if (events.Count >= atLeast || DateTime.UtcNow > deadline)
            {
                return events;
            }
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Every_change_writes_its_event_with_the_api_json_of_what_changed()
    {
        var tenant = await app.NewTenantAsync(subject: "user_7");
        var client = tenant.Client;
        var created = await client.CreatePlaybookAsync(new
        {
            name = "Events", status = "active", mode = "outbound", buddyId = "prospect",
            strategy = new { hypothesis = "H1", successMetric = "meeting_booked", successTarget = 3 },
            adaptation = new { enabled = true, minSampleSize = 10, pivotWindowDays = 1, maxPivotsPerWeek = 2 },
        });
        var id = created.Id();

        await (await client.PutJsonAsync($"/v1/playbooks/{id}", """{ "name": "Events, renamed" }""")).ExpectAsync(HttpStatusCode.OK);
        // An update that changes nothing writes no event.
        await (await client.PutJsonAsync($"/v1/playbooks/{id}", """{ "name": "Events, renamed" }""")).ExpectAsync(HttpStatusCode.OK);
        var run = (await (await client.PostAsync($"/v1/playbooks/{id}/run", null)).ExpectAsync(HttpStatusCode.Created))["run"]!;
        // Outcome reports are not events themselves.
        await (await client.PostAsync($"/v1/playbooks/{id}/runs/{run.Id()}/outcomes", Http.Json("""{ "samples": 20, "successes": 5 }"""))).ExpectAsync(HttpStatusCode.OK);
        var ended = (await (await client.PatchAsync($"/v1/playbooks/{id}/runs/{run.Id()}", Http.Json("""{ "status": "completed" }"""))).ExpectAsync(HttpStatusCode.OK))["run"]!;
        app.Clock.Advance(TimeSpan.FromDays(1));
        var pivot = await (await client.PostAsJsonAsync($"/v1/playbooks/{id}/pivots", new { reason = "Try another", strategy = new { hypothesis = "H2" } }))
            .ExpectAsync(HttpStatusCode.Created);
        await (await client.DeleteAsync($"/v1/playbooks/{id}")).ExpectAsync(HttpStatusCode.OK);

        var events = await FeedAsync(client, atLeast: 6);
        Assert.Equal(
            ["playbook.created", "playbook.updated", "run.started", "run.ended", "pivot.created", "playbook.deleted"],
            events.Select(e => e!.Str("type")));
        foreach (var e in events)
        {
            Assert.StartsWith("evt_", e!.Id());
            Assert.Equal(tenant.WorkspaceId, e!.Str("workspaceId"));
            Assert.Equal("user_7", e!.Str("subject"));
        }
        Assert.True(JsonNode.DeepEquals(created, events[0]!["data"]!["playbook"]));
        Assert.Equal("2026-11-28T09:00:00.000Z", events[0]!.Str("occurredAt"));
        Assert.Equal("Events, renamed", events[1]!.Str("data.playbook.name"));
        Assert.Equal(2, events[1]!["data"]!["playbook"]!["version"]!.GetValue<long>());
        Assert.Equal(1, events[1]!["data"]!["previousVersion"]!.GetValue<long>());
        Assert.Equal(run.Id(), events[2]!.Str("data.run.id"));
        Assert.Equal("running", events[2]!.Str("data.run.status"));
        Assert.True(JsonNode.DeepEquals(ended, events[3]!["data"]!["run"]));
        Assert.True(JsonNode.DeepEquals(pivot["pivot"], events[4]!["data"]!["pivot"]));
        Assert.True(JsonNode.DeepEquals(pivot["playbook"], events[4]!["data"]!["playbook"]));
        Assert.Equal("2026-11-29T09:00:00.000Z", events[4]!.Str("occurredAt"));
        Assert.Equal(id, events[5]!.Str("data.playbookId"));

        // One event by its id, exactly as the feed shows it.
        var one = await (await client.GetAsync($"/v1/events/{events[3]!.Id()}")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(events[3], one["event"]));
    }

    [Fact]
    public async Task An_outcome_that_moves_the_evaluation_to_another_state_is_an_event()
    {
        var tenant = await app.NewTenantAsync();
        var id = (await tenant.Client.CreatePlaybookAsync(new
        {
            name = "States", status = "active", mode = "outbound", buddyId = "prospect",
            strategy = new { hypothesis = "H1", successMetric = "meeting_booked", successTarget = 3 },
            adaptation = new { enabled = true, minSampleSize = 50, pivotWindowDays = 3, maxPivotsPerWeek = 2 },
        })).Id();
        var run = (await (await tenant.Client.PostAsync($"/v1/playbooks/{id}/run", null)).ExpectAsync(HttpStatusCode.Created))["run"]!.Id();
        async Task ReportAsync(int samples, int successes) =>
            await (await tenant.Client.PostAsync($"/v1/playbooks/{id}/runs/{run}/outcomes", Http.Json($$"""{ "samples": {{samples}}, "successes": {{successes}} }""")))
                .ExpectAsync(HttpStatusCode.OK);

        // Enough samples, but the pivot window is open: still collecting, no change.
        await ReportAsync(100, 12);
        app.Clock.Advance(TimeSpan.FromDays(3));
        // The window has closed meanwhile: the state before this report is already on_track, and stays so.
        await ReportAsync(10, 1);
        Assert.Empty(await FeedAsync(tenant.Client, "?type=adaptation.state_changed"));

        // Far below the target now.
        await ReportAsync(300, 0);
        var changes = await FeedAsync(tenant.Client, "?type=adaptation.state_changed", 1);
        var change = Assert.Single(changes)!;
        Assert.Equal(id, change.Str("data.playbookId"));
        Assert.Equal("on_track", change.Str("data.from"));
        Assert.Equal("underperforming", change.Str("data.to"));
        var evaluation = await (await tenant.Client.GetAsync($"/v1/playbooks/{id}/adaptation")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(evaluation["evaluation"], change["data"]!["evaluation"]));

        // Staying underperforming is no change.
        await ReportAsync(10, 0);
        Assert.Single(await FeedAsync(tenant.Client, "?type=adaptation.state_changed"));
    }

    [Fact]
    public async Task The_feed_pages_oldest_first_after_the_last_event_seen_and_filters_by_type()
    {
        var tenant = await app.NewTenantAsync();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var id = (await tenant.Client.CreatePlaybookAsync()).Id();
            ids.Add(id);
            await (await tenant.Client.PostAsync($"/v1/playbooks/{id}/run", null)).ExpectAsync(HttpStatusCode.Created);
        }

        await FeedAsync(tenant.Client, atLeast: 10);
        var first = await (await tenant.Client.GetAsync("/v1/events?type=playbook.created&limit=2")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(ids[..2], first["events"]!.AsArray().Select(e => e!.Str("data.playbook.id")));
        var cursor = first.Str("nextCursor");
        Assert.Equal(first["events"]![1]!.Id(), cursor);
        var rest = await (await tenant.Client.GetAsync($"/v1/events?type=playbook.created&after={cursor}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(ids[2..], rest["events"]!.AsArray().Select(e => e!.Str("data.playbook.id")));
        // Caught up: no nextCursor; polling again after the last event seen finds nothing new until something happens.
        Assert.Null(rest["nextCursor"]);
        var last = rest["events"]![2]!.Id();
        Assert.Empty(await FeedAsync(tenant.Client, $"?type=playbook.created&after={last}"));
        var sixth = (await tenant.Client.CreatePlaybookAsync()).Id();
        Assert.Equal([sixth], (await FeedAsync(tenant.Client, $"?type=playbook.created&after={last}", 1)).Select(e => e!.Str("data.playbook.id")));

        var both = await FeedAsync(tenant.Client, "?type=run.started,playbook.created", 11);
        Assert.Equal(11, both.Count);
        Assert.Equal(ids.Count, both.Count(e => e!.Str("type") == "run.started"));
        var all = await FeedAsync(tenant.Client, atLeast: 11);
        Assert.Equal(all.Select(e => e!.Id()).Order(StringComparer.Ordinal), all.Select(e => e!.Id()));
    }

    [Fact]
    public async Task Bad_parameters_name_the_field()
    {
        var tenant = await app.NewTenantAsync();
        await (await tenant.Client.GetAsync("/v1/events?type=playbook.exploded")).ExpectValidationAsync("type");
        await (await tenant.Client.GetAsync("/v1/events?limit=0")).ExpectValidationAsync("limit");
        await (await tenant.Client.GetAsync("/v1/events?limit=1001")).ExpectValidationAsync("limit");
        await (await tenant.Client.GetAsync("/v1/events?after=evt_nope")).ExpectValidationAsync("after");
        // Shaped like an event id, newer than the workspace's events, but no event of it.
        await tenant.Client.CreatePlaybookAsync();
        var real = Assert.Single(await FeedAsync(tenant.Client, atLeast: 1))!.Id();
        var unknown = real[..^1] + (real[^1] == 'Z' ? 'Y' : 'Z');
        await (await tenant.Client.GetAsync($"/v1/events?after={unknown}")).ExpectValidationAsync("after");
        await (await tenant.Client.GetAsync("/v1/events/evt_01KB0000000000000000000000")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await tenant.Client.GetAsync("/v1/events/nonsense")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_workspace_sees_only_its_own_events_and_viewers_may_read_them()
    {
        var owner = await app.NewTenantAsync();
        var other = await app.NewTenantAsync();
        await owner.Client.CreatePlaybookAsync();
        var mine = Assert.Single(await FeedAsync(owner.Client, atLeast: 1))!;

        Assert.Empty(await FeedAsync(other.Client));
        await (await other.Client.GetAsync($"/v1/events/{mine.Id()}")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        // Another workspace's id names no event here: it reads like one from before this (empty)
        // workspace's oldest, and shows nothing of the other.
        Assert.Empty((await (await other.Client.GetAsync($"/v1/events?after={mine.Id()}")).ExpectAsync(HttpStatusCode.OK))["events"]!.AsArray());

        var (_, viewerSecret) = await app.CreateTokenAsync("viewer_1", (owner.WorkspaceId, "viewer"));
        using var viewer = app.ClientWithToken(viewerSecret);
        Assert.Equal(mine.Id(), Assert.Single(await FeedAsync(viewer, atLeast: 1))!.Id());

        using var anonymous = app.CreateClient();
        await (await anonymous.GetAsync("/v1/events")).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Events_are_kept_thirty_days()
    {
        var tenant = await app.NewTenantAsync();
        var old = (await tenant.Client.CreatePlaybookAsync()).Id();
        var oldEvent = Assert.Single(await FeedAsync(tenant.Client, atLeast: 1))!.Id();
        app.Clock.Advance(TimeSpan.FromDays(20));
        var young = (await tenant.Client.CreatePlaybookAsync()).Id();
        Assert.Equal(2, (await FeedAsync(tenant.Client, atLeast: 2)).Count);

        // The first is 31 days old now, the second 11: the hourly clean-up forgets only the first.
        app.Clock.Advance(TimeSpan.FromDays(11));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonArray events;
        while ((events = await FeedAsync(tenant.Client)).Count > 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "The old event was never forgotten.");
            await Task.Delay(50);
        }
        Assert.Equal(young, Assert.Single(events)!.Str("data.playbook.id"));
        Assert.NotEqual(old, young);

        // A consumer whose last event was forgotten resumes at the oldest event kept.
        var forgotten = await (await tenant.Client.GetAsync($"/v1/events?after={oldEvent}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(young, Assert.Single(forgotten["events"]!.AsArray())!.Str("data.playbook.id"));
    }

    [Fact]
    public async Task An_idempotent_replay_writes_no_second_event()
    {
        var tenant = await app.NewTenantAsync();
        for (var i = 0; i < 2; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/playbooks") { Content = JsonContent.Create(Http.ExamplePlaybook) };
            request.Headers.Add("Idempotency-Key", "create-once");
            await (await tenant.Client.SendAsync(request)).ExpectAsync(HttpStatusCode.Created);
        }
        Assert.Single(await FeedAsync(tenant.Client, atLeast: 1));
    }

    public sealed class OnSqlite() : EventFeedTests(Provider.Sqlite);

    public sealed class OnPostgres() : EventFeedTests(Provider.Postgres);
}
