using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Runs;

public abstract class RunLifecycleTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    private async Task<(Tenant Tenant, string PlaybookId, string RunId)> StartRunAsync(object? playbook = null)
    {
        var tenant = await app.NewTenantAsync();
        var created = await tenant.Client.CreatePlaybookAsync(playbook);
        var run = await (await tenant.Client.PostAsync($"/v1/playbooks/{created.Id()}/run", null)).ExpectAsync(HttpStatusCode.Created);
        return (tenant, created.Id(), run["run"]!.Id());
    }

    private static Task<HttpResponseMessage> PatchAsync(HttpClient client, string url, string json) => client.PatchAsync(url, Http.Json(json));

    [Fact]
    public async Task A_run_is_read_by_its_id()
    {
        var (tenant, playbookId, runId) = await StartRunAsync();

        var run = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbookId}/runs/{runId}")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(runId, run["run"]!.Id());
        Assert.Equal("running", run["run"]!.Str("status"));
        Assert.Null(run["run"]!["note"]);
        await (await tenant.Client.GetAsync($"/v1/playbooks/{playbookId}/runs/run_01JD0000000000000000000000")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        var other = await tenant.Client.CreatePlaybookAsync();
        await (await tenant.Client.GetAsync($"/v1/playbooks/{other.Id()}/runs/{runId}")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_run_is_read_by_its_id_alone_within_its_workspace()
    {
        var (tenant, playbookId, runId) = await StartRunAsync();
        var stranger = await app.NewTenantAsync();

        var run = await (await tenant.Client.GetAsync($"/v1/runs/{runId}")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(playbookId, run["run"]!.Str("playbookId"));
        Assert.Equal(runId, run["run"]!.Id());
        await (await stranger.Client.GetAsync($"/v1/runs/{runId}")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await tenant.Client.GetAsync("/v1/runs/run_01JD0000000000000000000000")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await app.CreateClient().GetAsync($"/v1/runs/{runId}")).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");

        // A run goes with its playbook.
        await (await tenant.Client.DeleteAsync($"/v1/playbooks/{playbookId}")).ExpectAsync(HttpStatusCode.OK);
        await (await tenant.Client.GetAsync($"/v1/runs/{runId}")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("completed")]
    [InlineData("failed")]
    [InlineData("cancelled")]
    public async Task Ending_a_run_sets_its_status_end_time_and_note_and_is_final(string status)
    {
        var (tenant, playbookId, runId) = await StartRunAsync();
        app.Clock.Advance(TimeSpan.FromMinutes(3));
        var url = $"/v1/playbooks/{playbookId}/runs/{runId}";

        var ended = await (await PatchAsync(tenant.Client, url, $$"""{ "status": "{{status}}", "note": "12 leads contacted" }""")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(status, ended["run"]!.Str("status"));
        Assert.Equal("2026-11-28T09:03:00.000Z", ended["run"]!.Str("endedAt"));
        Assert.Equal("12 leads contacted", ended["run"]!.Str("note"));
        foreach (var again in RunStatusesFinal)
        {
            await (await PatchAsync(tenant.Client, url, $$"""{ "status": "{{again}}" }""")).ExpectProblemAsync(HttpStatusCode.Conflict, "run_not_running");
        }
        await (await tenant.Client.PostAsync($"{url}/outcomes", Http.Json("""{ "samples": 1, "successes": 0 }"""))).ExpectProblemAsync(HttpStatusCode.Conflict, "run_not_running");
        var fetched = await (await tenant.Client.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(ended["run"]!.ToJsonString(), fetched["run"]!.ToJsonString());
    }

    private static readonly string[] RunStatusesFinal = ["completed", "failed", "cancelled"];

    [Theory]
    [InlineData("""{ }""", "status")]
    [InlineData("""{ "status": "running" }""", "status")]
    [InlineData("""{ "status": "done" }""", "status")]
    [InlineData("""{ "status": 3 }""", "status")]
    [InlineData("""{ "status": "completed", "note": 5 }""", "note")]
    public async Task Ending_a_run_validates_the_body(string body, string field)
    {
        var (tenant, playbookId, runId) = await StartRunAsync();

        await (await PatchAsync(tenant.Client, $"/v1/playbooks/{playbookId}/runs/{runId}", body)).ExpectValidationAsync(field);
    }

    [Fact]
    public async Task A_note_longer_than_2000_characters_is_400()
    {
        var (tenant, playbookId, runId) = await StartRunAsync();

        var response = await PatchAsync(tenant.Client, $"/v1/playbooks/{playbookId}/runs/{runId}", $$"""{ "status": "completed", "note": "{{new string('n', 2001)}}" }""");

        await response.ExpectValidationAsync("note");
    }

    [Fact]
    public async Task Check_order_for_runs_is_existence_then_body_then_state()
    {
        var (tenant, playbookId, runId) = await StartRunAsync();
        var url = $"/v1/playbooks/{playbookId}/runs/{runId}";
        await (await PatchAsync(tenant.Client, url, """{ "status": "completed" }""")).ExpectAsync(HttpStatusCode.OK);

        await (await PatchAsync(tenant.Client, $"/v1/playbooks/{playbookId}/runs/run_01JD0000000000000000000000", "{")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await PatchAsync(tenant.Client, url, """{ "status": "nope" }""")).ExpectValidationAsync("status");
        await (await tenant.Client.PostAsync($"{url}/outcomes", Http.Json("""{ "samples": -1 }"""))).ExpectValidationAsync("samples", "successes");
        await (await tenant.Client.PostAsync($"{url}/outcomes", Http.Json("""{ "samples": 1, "successes": 1 }"""))).ExpectProblemAsync(HttpStatusCode.Conflict, "run_not_running");
    }

    [Fact]
    public async Task An_update_between_two_runs_gives_them_different_spec_versions()
    {
        var (tenant, playbookId, firstRun) = await StartRunAsync();
        await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{playbookId}", """{ "strategy": { "hypothesis": "Sharper" } }""")).ExpectAsync(HttpStatusCode.OK);

        var second = await (await tenant.Client.PostAsync($"/v1/playbooks/{playbookId}/run", null)).ExpectAsync(HttpStatusCode.Created);

        var first = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbookId}/runs/{firstRun}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, first["run"]!["specVersion"]!.GetValue<int>());
        Assert.Equal(2, second["run"]!["specVersion"]!.GetValue<int>());
    }

    [Fact]
    public async Task Viewers_and_read_only_workspaces_cannot_end_runs_or_report()
    {
        var (tenant, playbookId, runId) = await StartRunAsync();
        var (_, viewer) = await app.CreateTokenAsync("viewer", (tenant.WorkspaceId, "viewer"));
        var url = $"/v1/playbooks/{playbookId}/runs/{runId}";
        var asViewer = app.ClientWithToken(viewer);

        await (await PatchAsync(asViewer, url, """{ "status": "completed" }""")).ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_role");
        await (await asViewer.PostAsync($"{url}/outcomes", Http.Json("""{ "samples": 1, "successes": 0 }"""))).ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_role");
        await (await app.AdminClient().PatchAsJsonAsync($"/v1/admin/workspaces/{tenant.WorkspaceId}", new { readOnly = true })).ExpectAsync(HttpStatusCode.OK);
        await (await PatchAsync(tenant.Client, url, """{ "status": "completed" }""")).ExpectProblemAsync(HttpStatusCode.Forbidden, "read_only_workspace");
        await (await tenant.Client.PostAsync($"{url}/outcomes", Http.Json("""{ "samples": 1, "successes": 0 }"""))).ExpectProblemAsync(HttpStatusCode.Forbidden, "read_only_workspace");
        await (await asViewer.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Another_workspace_cannot_see_or_touch_a_run()
    {
        var (_, playbookId, runId) = await StartRunAsync();
        var stranger = await app.NewTenantAsync();
        var url = $"/v1/playbooks/{playbookId}/runs/{runId}";

        await (await stranger.Client.GetAsync(url)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await PatchAsync(stranger.Client, url, """{ "status": "completed" }""")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await stranger.Client.PostAsync($"{url}/outcomes", Http.Json("""{ "samples": 1, "successes": 0 }"""))).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await stranger.Client.GetAsync($"/v1/playbooks/{playbookId}/stats")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await stranger.Client.GetAsync($"/v1/playbooks/{playbookId}/versions")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await stranger.Client.GetAsync($"/v1/playbooks/{playbookId}/versions/1")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    public sealed class OnSqlite() : RunLifecycleTests(Provider.Sqlite);

    public sealed class OnPostgres() : RunLifecycleTests(Provider.Postgres);
}
