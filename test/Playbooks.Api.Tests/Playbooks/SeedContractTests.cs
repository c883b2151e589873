using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Playbooks;

/// <summary>Each statement of seed-playbooks-api.txt, as a client sees it.</summary>
public abstract class SeedContractTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task List_returns_the_playbooks_of_the_workspace_newest_first()
    {
        var tenant = await app.NewTenantAsync();
        var empty = await (await tenant.Client.GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(empty["playbooks"]!.AsArray());
        Assert.Null(empty["nextCursor"]);

        var first = await tenant.Client.CreatePlaybookAsync();
        var second = await tenant.Client.CreatePlaybookAsync();

        var list = await (await tenant.Client.GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([second.Id(), first.Id()], list["playbooks"]!.AsArray().Select(p => p!.Id()));
        Assert.Equal(second.ToJsonString(), list["playbooks"]![0]!.ToJsonString());
    }

    [Fact]
    public async Task Create_answers_201_with_the_spec_the_server_owned_fields_and_the_defaults()
    {
        var tenant = await app.NewTenantAsync(subject: "user_42");

        var response = await tenant.Client.PostAsJsonAsync("/v1/playbooks", Http.ExamplePlaybook);

        var playbook = (await response.ExpectAsync(HttpStatusCode.Created))["playbook"]!.AsObject();
        Assert.StartsWith("pb_", playbook.Id());
        Assert.Equal(tenant.WorkspaceId, playbook.Str("workspaceId"));
        Assert.Equal("user_42", playbook.Str("createdBy"));
        Assert.Equal("2026-11-28T09:00:00.000Z", playbook.Str("createdAt"));
        Assert.Equal("2026-11-28T09:00:00.000Z", playbook.Str("updatedAt"));
        Assert.Equal(1, playbook["version"]!.GetValue<int>());
        Assert.Equal("Series B SaaS. New head of growth", playbook.Str("name"));
        Assert.Equal("outbound", playbook.Str("mode"));
        Assert.Equal("prospect", playbook.Str("buddyId"));
        Assert.Equal("draft", playbook.Str("status"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"kind":"manual","query":null,"sampleSize":50}"""), playbook["leadSource"]));
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"kind":"gtm-execution","hypothesis":"New growth leaders buy in their first 90 days","channels":[],"successMetric":"meeting_booked","successTarget":3}"""),
            playbook["strategy"]));
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"enabled":true,"minSampleSize":50,"pivotWindowDays":3,"maxPivotsPerWeek":2}"""), playbook["adaptation"]));
        Assert.Equal("\"1\"", response.Headers.ETag?.ToString());
        Assert.Equal($"/v1/playbooks/{playbook.Id()}", response.Headers.Location?.ToString());
    }

    [Fact]
    public async Task Create_ignores_server_owned_and_unknown_fields_at_any_depth()
    {
        var tenant = await app.NewTenantAsync(subject: "real_subject");

        var response = await tenant.Client.PostAsync("/v1/playbooks", Http.Json("""
            {
              "id": "pb_mine", "workspaceId": "ws_other", "version": 99, "createdAt": "2001-01-01T00:00:00.000Z",
              "updatedAt": "2001-01-01T00:00:00.000Z", "createdBy": "someone_else", "color": "blue",
              "name": "N", "mode": "inbound", "buddyId": "insights",
              "leadSource": { "kind": "manual", "secret": 1 },
              "strategy": { "hypothesis": "H", "nested": { "deep": [1, 2] } },
              "adaptation": { "enabled": true, "turbo": true }
            }
            """));

        var playbook = (await response.ExpectAsync(HttpStatusCode.Created))["playbook"]!.AsObject();
        Assert.NotEqual("pb_mine", playbook.Id());
        Assert.Equal(tenant.WorkspaceId, playbook.Str("workspaceId"));
        Assert.Equal(1, playbook["version"]!.GetValue<int>());
        Assert.Equal("2026-11-28T09:00:00.000Z", playbook.Str("createdAt"));
        Assert.Equal("real_subject", playbook.Str("createdBy"));
        Assert.Null(playbook["color"]);
        Assert.False(playbook["leadSource"]!.AsObject().ContainsKey("secret"));
        Assert.False(playbook["strategy"]!.AsObject().ContainsKey("nested"));
        Assert.False(playbook["adaptation"]!.AsObject().ContainsKey("turbo"));
    }

    [Fact]
    public async Task Create_without_any_required_field_is_400_naming_each()
    {
        var tenant = await app.NewTenantAsync();

        var response = await tenant.Client.PostAsync("/v1/playbooks", Http.Json("{}"));

        await response.ExpectValidationAsync("name", "mode", "buddyId", "strategy.hypothesis");
    }

    [Theory]
    [InlineData("name")]
    [InlineData("mode")]
    [InlineData("buddyId")]
    public async Task Create_missing_one_required_field_is_400(string field)
    {
        var tenant = await app.NewTenantAsync();
        var body = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Http.ExamplePlaybook))!.AsObject();
        body.Remove(field);

        var response = await tenant.Client.PostAsync("/v1/playbooks", Http.Json(body.ToJsonString()));

        await response.ExpectValidationAsync(field);
    }

    [Fact]
    public async Task Get_returns_the_playbook_with_its_etag_or_404()
    {
        var tenant = await app.NewTenantAsync();
        var created = await tenant.Client.CreatePlaybookAsync();

        var response = await tenant.Client.GetAsync($"/v1/playbooks/{created.Id()}");
        var body = await response.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(created.ToJsonString(), body["playbook"]!.ToJsonString());
        Assert.Equal("\"1\"", response.Headers.ETag?.ToString());

        await (await tenant.Client.GetAsync("/v1/playbooks/pb_01JD0000000000000000000000")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await tenant.Client.GetAsync("/v1/playbooks/anything")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Update_is_partial_and_nested_objects_shallow_merge()
    {
        var tenant = await app.NewTenantAsync(subject: "creator");
        var created = await tenant.Client.CreatePlaybookAsync(new
        {
            name = "N",
            mode = "outbound",
            buddyId = "prospect",
            leadSource = new { kind = "crm-segment", query = "q", sampleSize = 80 },
            strategy = new { hypothesis = "H", channels = new[] { "email" }, successMetric = "meeting_booked", successTarget = 3 },
        });
        app.Clock.Advance(TimeSpan.FromMinutes(5));

        var response = await tenant.Client.PutJsonAsync($"/v1/playbooks/{created.Id()}", """{ "status": "active", "strategy": { "successTarget": 5 } }""");

        var playbook = (await response.ExpectAsync(HttpStatusCode.OK))["playbook"]!.AsObject();
        Assert.Equal("active", playbook.Str("status"));
        Assert.Equal(5, playbook["strategy"]!["successTarget"]!.GetValue<double>());
        Assert.Equal("H", playbook.Str("strategy.hypothesis"));
        Assert.Equal("meeting_booked", playbook.Str("strategy.successMetric"));
        Assert.Equal("""["email"]""", playbook["strategy"]!["channels"]!.ToJsonString());
        Assert.Equal(created["leadSource"]!.ToJsonString(), playbook["leadSource"]!.ToJsonString());
        Assert.Equal(created["adaptation"]!.ToJsonString(), playbook["adaptation"]!.ToJsonString());
        Assert.Equal("N", playbook.Str("name"));
        Assert.Equal(2, playbook["version"]!.GetValue<int>());
        Assert.Equal("2026-11-28T09:05:00.000Z", playbook.Str("updatedAt"));
        Assert.Equal("2026-11-28T09:00:00.000Z", playbook.Str("createdAt"));
        Assert.Equal("creator", playbook.Str("createdBy"));
        Assert.Equal("\"2\"", response.Headers.ETag?.ToString());

        var fetched = await (await tenant.Client.GetAsync($"/v1/playbooks/{created.Id()}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(playbook.ToJsonString(), fetched["playbook"]!.ToJsonString());
    }

    [Fact]
    public async Task Update_drops_unknown_fields_and_ignores_invalid_enums_and_server_owned_fields()
    {
        var tenant = await app.NewTenantAsync();
        var created = await tenant.Client.CreatePlaybookAsync();

        var response = await tenant.Client.PutJsonAsync($"/v1/playbooks/{created.Id()}",
            """{ "status": "foo", "mode": "sideways", "colour": "red", "id": "pb_x", "version": 42, "createdBy": "mallory", "strategy": { "kind": "vibes", "extra": 1 } }""");

        var playbook = (await response.ExpectAsync(HttpStatusCode.OK))["playbook"]!;
        Assert.Equal(created.ToJsonString(), playbook.ToJsonString());
        Assert.Equal("\"1\"", response.Headers.ETag?.ToString());
    }

    [Fact]
    public async Task An_update_that_changes_nothing_bumps_neither_version_nor_updatedAt()
    {
        var tenant = await app.NewTenantAsync();
        var created = await tenant.Client.CreatePlaybookAsync();
        app.Clock.Advance(TimeSpan.FromHours(1));

        var response = await tenant.Client.PutJsonAsync($"/v1/playbooks/{created.Id()}",
            """{ "name": "Series B SaaS. New head of growth", "strategy": { "successTarget": 3 }, "adaptation": { "enabled": true } }""");

        var playbook = (await response.ExpectAsync(HttpStatusCode.OK))["playbook"]!;
        Assert.Equal(1, playbook["version"]!.GetValue<int>());
        Assert.Equal(created.Str("updatedAt"), playbook.Str("updatedAt"));
    }

    [Fact]
    public async Task Update_of_an_unknown_playbook_is_404()
    {
        var tenant = await app.NewTenantAsync();

        var response = await tenant.Client.PutJsonAsync("/v1/playbooks/pb_01JD0000000000000000000000", """{ "status": "active" }""");

        await response.ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Update_honours_if_match()
    {
        var tenant = await app.NewTenantAsync();
        var created = await tenant.Client.CreatePlaybookAsync();
        var url = $"/v1/playbooks/{created.Id()}";

        var first = await tenant.Client.PutJsonAsync(url, """{ "status": "active" }""", ifMatch: "\"1\"");
        Assert.Equal(2, (await first.ExpectAsync(HttpStatusCode.OK))["playbook"]!["version"]!.GetValue<int>());

        var stale = await tenant.Client.PutJsonAsync(url, """{ "status": "paused" }""", ifMatch: "\"1\"");
        await stale.ExpectProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed");

        var star = await tenant.Client.PutJsonAsync(url, """{ "status": "paused" }""", ifMatch: "*");
        Assert.Equal("paused", (await star.ExpectAsync(HttpStatusCode.OK))["playbook"]!.Str("status"));

        var current = await (await tenant.Client.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(3, current["playbook"]!["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task Concurrent_updates_with_the_same_if_match_let_exactly_one_win()
    {
        var tenant = await app.NewTenantAsync();
        var created = await tenant.Client.CreatePlaybookAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            tenant.Client.PutJsonAsync($"/v1/playbooks/{created.Id()}", $$"""{ "name": "Writer {{i}}" }""", ifMatch: "\"1\"")));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(7, responses.Count(r => r.StatusCode == HttpStatusCode.PreconditionFailed));
    }

    [Fact]
    public async Task Concurrent_updates_without_if_match_all_apply()
    {
        var tenant = await app.NewTenantAsync();
        var created = await tenant.Client.CreatePlaybookAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            tenant.Client.PutJsonAsync($"/v1/playbooks/{created.Id()}", $$"""{ "name": "Writer {{i}}" }""")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var current = await (await tenant.Client.GetAsync($"/v1/playbooks/{created.Id()}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(9, current["playbook"]!["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task Delete_answers_ok_then_the_playbook_and_its_runs_are_gone()
    {
        var tenant = await app.NewTenantAsync();
        var created = await tenant.Client.CreatePlaybookAsync();
        (await tenant.Client.PostAsync($"/v1/playbooks/{created.Id()}/run", null)).EnsureSuccessStatusCode();

        var response = await tenant.Client.DeleteAsync($"/v1/playbooks/{created.Id()}");

        Assert.Equal("""{"ok":true}""", (await response.ExpectAsync(HttpStatusCode.OK)).ToJsonString());
        await (await tenant.Client.GetAsync($"/v1/playbooks/{created.Id()}")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await tenant.Client.GetAsync($"/v1/playbooks/{created.Id()}/runs")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await tenant.Client.DeleteAsync($"/v1/playbooks/{created.Id()}")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Record_a_run_creates_a_running_run_with_zero_metrics()
    {
        var tenant = await app.NewTenantAsync(subject: "runner");
        var created = await tenant.Client.CreatePlaybookAsync();

        var response = await tenant.Client.PostAsync($"/v1/playbooks/{created.Id()}/run", null);

        var run = (await response.ExpectAsync(HttpStatusCode.Created))["run"]!;
        Assert.StartsWith("run_", run.Id());
        Assert.Equal(created.Id(), run.Str("playbookId"));
        Assert.Equal("running", run.Str("status"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"samples":0,"successes":0,"metricValue":0}"""), run["metrics"]));
        Assert.Equal(1, run["specVersion"]!.GetValue<int>());
        Assert.Equal("2026-11-28T09:00:00.000Z", run.Str("startedAt"));
        Assert.Null(run["endedAt"]);
        Assert.Equal("runner", run.Str("createdBy"));
    }

    [Fact]
    public async Task Record_a_run_of_an_unknown_playbook_is_404_and_of_an_archived_one_409()
    {
        var tenant = await app.NewTenantAsync();
        await (await tenant.Client.PostAsync("/v1/playbooks/pb_01JD0000000000000000000000/run", null)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");

        var archived = await tenant.Client.CreatePlaybookAsync(new { name = "A", mode = "inbound", buddyId = "insights", status = "archived", strategy = new { hypothesis = "H" } });
        await (await tenant.Client.PostAsync($"/v1/playbooks/{archived.Id()}/run", null)).ExpectProblemAsync(HttpStatusCode.Conflict, "playbook_archived");
    }

    [Fact]
    public async Task List_runs_is_ordered_by_startedAt()
    {
        var tenant = await app.NewTenantAsync();
        var created = await tenant.Client.CreatePlaybookAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            app.Clock.Advance(TimeSpan.FromSeconds(1));
            var run = await (await tenant.Client.PostAsync($"/v1/playbooks/{created.Id()}/run", null)).ExpectAsync(HttpStatusCode.Created);
            ids.Add(run["run"]!.Id());
        }

        var list = await (await tenant.Client.GetAsync($"/v1/playbooks/{created.Id()}/runs")).ExpectAsync(HttpStatusCode.OK);

        var runs = list["runs"]!.AsArray();
        Assert.Equal(ids, runs.Select(r => r!.Id()));
        Assert.Equal(runs.Select(r => r!.Str("startedAt")).Order(StringComparer.Ordinal), runs.Select(r => r!.Str("startedAt")));
    }

    [Fact]
    public async Task A_run_pins_the_spec_version_it_started_under()
    {
        var tenant = await app.NewTenantAsync();
        var created = await tenant.Client.CreatePlaybookAsync();
        var first = await (await tenant.Client.PostAsync($"/v1/playbooks/{created.Id()}/run", null)).ExpectAsync(HttpStatusCode.Created);
        await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{created.Id()}", """{ "strategy": { "successTarget": 4 } }""")).ExpectAsync(HttpStatusCode.OK);
        var second = await (await tenant.Client.PostAsync($"/v1/playbooks/{created.Id()}/run", null)).ExpectAsync(HttpStatusCode.Created);

        Assert.Equal(1, first["run"]!["specVersion"]!.GetValue<int>());
        Assert.Equal(2, second["run"]!["specVersion"]!.GetValue<int>());
    }

    public sealed class OnSqlite() : SeedContractTests(Provider.Sqlite);

    public sealed class OnPostgres() : SeedContractTests(Provider.Postgres);
}
