using System.Net;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Errors;

public abstract class IdempotencyTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string url, string? json, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = json is null ? null : Http.Json(json) };
        request.Headers.Add("Idempotency-Key", key);
        return client.SendAsync(request);
    }

    private static async Task<int> RunCountAsync(HttpClient client, string playbookId) =>
        (await (await client.GetAsync($"/v1/playbooks/{playbookId}/runs")).ExpectAsync(HttpStatusCode.OK))["runs"]!.AsArray().Count;

    [Fact]
    public async Task A_replayed_post_returns_the_first_answer_and_does_no_work()
    {
        var tenant = await app.NewTenantAsync();
        var playbook = await tenant.Client.CreatePlaybookAsync();
        var url = $"/v1/playbooks/{playbook.Id()}/run";

        var first = await PostAsync(tenant.Client, url, null, "run-1");
        app.Clock.Advance(TimeSpan.FromHours(23));
        var replay = await PostAsync(tenant.Client, url, null, "run-1");

        var firstBody = await first.ExpectAsync(HttpStatusCode.Created);
        var replayBody = await replay.ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(firstBody.ToJsonString(), replayBody.ToJsonString());
        Assert.Equal(first.Headers.Location, replay.Headers.Location);
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(1, await RunCountAsync(tenant.Client, playbook.Id()));
    }

    [Fact]
    public async Task A_replayed_create_returns_the_same_playbook_with_its_etag()
    {
        var tenant = await app.NewTenantAsync();

        var first = await PostAsync(tenant.Client, "/v1/playbooks", Endpoints.CreateBody, "create-1");
        var replay = await PostAsync(tenant.Client, "/v1/playbooks", Endpoints.CreateBody, "create-1");

        Assert.Equal((await first.ExpectAsync(HttpStatusCode.Created)).ToJsonString(), (await replay.ExpectAsync(HttpStatusCode.Created)).ToJsonString());
        Assert.Equal("\"1\"", replay.Headers.ETag?.ToString());
        var list = await (await tenant.Client.GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
        Assert.Single(list["playbooks"]!.AsArray());
    }

    [Fact]
    public async Task Requests_racing_with_one_key_create_one_run()
    {
        var tenant = await app.NewTenantAsync();
        var playbook = await tenant.Client.CreatePlaybookAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            PostAsync(app.ClientWithToken(tenant.Token), $"/v1/playbooks/{playbook.Id()}/run", null, "race")));

        var ids = new HashSet<string>();
        foreach (var response in responses)
        {
            ids.Add((await response.ExpectAsync(HttpStatusCode.Created))["run"]!.Id());
        }
        Assert.Single(ids);
        Assert.Equal(1, await RunCountAsync(tenant.Client, playbook.Id()));
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_422()
    {
        var tenant = await app.NewTenantAsync();
        await PostAsync(tenant.Client, "/v1/playbooks", Endpoints.CreateBody, "k");

        var response = await PostAsync(tenant.Client, "/v1/playbooks", Endpoints.CreateBody.Replace("\"N\"", "\"Other\"", StringComparison.Ordinal), "k");

        await response.ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
    }

    [Fact]
    public async Task The_same_key_on_another_endpoint_is_422()
    {
        var tenant = await app.NewTenantAsync();
        var playbook = await tenant.Client.CreatePlaybookAsync();
        await PostAsync(tenant.Client, $"/v1/playbooks/{playbook.Id()}/run", null, "k");

        await (await PostAsync(tenant.Client, "/v1/playbooks", null, "k")).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
    }

    [Fact]
    public async Task Keys_are_scoped_to_the_workspace()
    {
        var first = await app.NewTenantAsync();
        var second = await app.NewTenantAsync();

        var a = await (await PostAsync(first.Client, "/v1/playbooks", Endpoints.CreateBody, "shared")).ExpectAsync(HttpStatusCode.Created);
        var b = await (await PostAsync(second.Client, "/v1/playbooks", Endpoints.CreateBody, "shared")).ExpectAsync(HttpStatusCode.Created);

        Assert.NotEqual(a["playbook"]!.Id(), b["playbook"]!.Id());
        Assert.Equal(second.WorkspaceId, b["playbook"]!.Str("workspaceId"));
    }

    [Fact]
    public async Task After_24_hours_a_key_is_new_again()
    {
        var tenant = await app.NewTenantAsync();
        var playbook = await tenant.Client.CreatePlaybookAsync();
        var url = $"/v1/playbooks/{playbook.Id()}/run";
        var first = await (await PostAsync(tenant.Client, url, null, "daily")).ExpectAsync(HttpStatusCode.Created);

        app.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));
        var later = await (await PostAsync(tenant.Client, url, null, "daily")).ExpectAsync(HttpStatusCode.Created);

        Assert.NotEqual(first["run"]!.Id(), later["run"]!.Id());
        Assert.Equal(2, await RunCountAsync(tenant.Client, playbook.Id()));
    }

    [Fact]
    public async Task Error_answers_are_replayed_too()
    {
        var tenant = await app.NewTenantAsync();

        var first = await PostAsync(tenant.Client, "/v1/playbooks", "{}", "bad");
        var replay = await PostAsync(tenant.Client, "/v1/playbooks", "{}", "bad");

        var problem = await first.ExpectValidationAsync("name", "mode", "buddyId", "strategy.hypothesis");
        Assert.Equal(problem.ToJsonString(), (await replay.ExpectValidationAsync("name", "mode", "buddyId", "strategy.hypothesis")).ToJsonString());
    }

    [Theory]
    [InlineData("key with a tab\t")]
    [InlineData("key\u007f")]
    [InlineData("ключ")]
    public async Task A_malformed_key_is_400(string key)
    {
        var tenant = await app.NewTenantAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/playbooks") { Content = Http.Json(Endpoints.CreateBody) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);

        await (await tenant.Client.SendAsync(request)).ExpectValidationAsync("Idempotency-Key");
    }

    [Fact]
    public async Task A_key_longer_than_255_characters_is_400()
    {
        var tenant = await app.NewTenantAsync();

        await (await PostAsync(tenant.Client, "/v1/playbooks", Endpoints.CreateBody, new string('k', 256))).ExpectValidationAsync("Idempotency-Key");
        await (await PostAsync(tenant.Client, "/v1/playbooks", Endpoints.CreateBody, new string('k', 255))).ExpectAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Outcome_reports_with_a_key_count_once()
    {
        var tenant = await app.NewTenantAsync();
        var playbook = await tenant.Client.CreatePlaybookAsync();
        var run = await (await tenant.Client.PostAsync($"/v1/playbooks/{playbook.Id()}/run", null)).ExpectAsync(HttpStatusCode.Created);
        var url = $"/v1/playbooks/{playbook.Id()}/runs/{run["run"]!.Id()}/outcomes";

        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => PostAsync(app.ClientWithToken(tenant.Token), url, """{ "samples": 10, "successes": 1 }""", "report-1")));
        var last = await (await PostAsync(tenant.Client, url, """{ "samples": 10, "successes": 1 }""", "report-1")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(10, last["run"]!["metrics"]!["samples"]!.GetValue<long>());
        var fetched = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbook.Id()}/runs/{run["run"]!.Id()}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(10, fetched["run"]!["metrics"]!["samples"]!.GetValue<long>());
    }

    public sealed class OnSqlite() : IdempotencyTests(Provider.Sqlite);

    public sealed class OnPostgres() : IdempotencyTests(Provider.Postgres);
}
