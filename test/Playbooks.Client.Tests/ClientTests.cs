using System.Net;
using System.Text.Json.Nodes;
using Playbooks.Api.Tests.Infrastructure;
using Playbooks.Client;

namespace Playbooks.Client.Tests;

/// <summary>The typed client against the real server pipeline (in memory, its own database per test).</summary>
public sealed class ClientTests : IDisposable
{
    private readonly PlaybooksApp app = new(Provider.Sqlite);

    public void Dispose() => app.Dispose();

    private static JsonObject Spec(string name = "Series B SaaS") => new()
    {
        ["name"] = name,
        ["mode"] = "outbound",
        ["buddyId"] = "prospect",
        ["strategy"] = new JsonObject { ["hypothesis"] = "H", ["successMetric"] = "meeting_booked", ["successTarget"] = 3 },
    };

    /// <summary>A client whose requests pass through <paramref name="fault"/> and then the retrying handler, like a real one.</summary>
    private async Task<(PlaybooksClient Client, FaultyHandler Fault)> ClientAsync()
    {
        var tenant = await app.NewTenantAsync();
        var fault = new FaultyHandler { InnerHandler = app.Server.CreateHandler() };
        var http = new HttpClient(PlaybooksClient.CreateRetryingHandler(fault)) { BaseAddress = new Uri(app.Server.BaseAddress, "/") };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tenant.Token);
        return (new PlaybooksClient(http), fault);
    }

    [Fact]
    public async Task Every_call_round_trips_typed()
    {
        var (client, _) = await ClientAsync();

        var created = await client.CreatePlaybookAsync(Spec());
        var updated = await client.UpdatePlaybookAsync(created.Id, new JsonObject { ["status"] = "active" }, ifMatchVersion: 1);
        var run = await client.StartRunAsync(created.Id);
        var reported = await client.ReportOutcomeAsync(created.Id, run.Id, new OutcomeReport(10, 2));
        var byId = await client.GetRunAsync(run.Id);
        var ended = await client.EndRunAsync(created.Id, run.Id, "completed", "done");
        var evaluation = await client.EvaluateAsync(created.Id);
        var stats = await client.GetStatsAsync(created.Id, "hour", from: new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero));
        var versions = await client.ListAllVersionsAsync(created.Id).ToListAsync();

        Assert.Equal("Series B SaaS", created.Name);
        Assert.Equal((2L, "active"), (updated.Version, updated.Status));
        Assert.Equal(2, run.SpecVersion);
        Assert.Equal(("meeting_booked", "meeting_booked", "meeting_booked"), (run.SuccessMetric, byId.SuccessMetric, ended.SuccessMetric));
        Assert.Equal((10L, 2L, 2.0), (reported.Metrics.Samples, reported.Metrics.Successes, reported.Metrics.MetricValue));
        Assert.Equal(created.Id, byId.PlaybookId);
        Assert.Equal(("completed", "done"), (ended.Status, ended.Note));
        Assert.Equal("collecting", evaluation.State);
        Assert.Equal(10, evaluation.Samples);
        Assert.Equal(10, stats.Buckets.Sum(b => b.Samples));
        Assert.Equal(["create", "update"], versions.Select(v => v.Change));
        await client.DeletePlaybookAsync(created.Id);
        var gone = await Assert.ThrowsAsync<PlaybooksApiException>(() => client.GetPlaybookAsync(created.Id));
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), (gone.Status, gone.Code));
    }

    [Fact]
    public async Task Problems_become_a_typed_exception_with_code_errors_and_trace_id()
    {
        var (client, _) = await ClientAsync();

        var problem = await Assert.ThrowsAsync<PlaybooksApiException>(() => client.CreatePlaybookAsync(new JsonObject { ["name"] = "" }));

        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Equal("validation_failed", problem.Code);
        Assert.Equal(["name", "mode", "buddyId", "strategy.hypothesis"], problem.Errors.Keys);
        Assert.False(string.IsNullOrEmpty(problem.TraceId));
        Assert.Equal("Bad Request", problem.Title);

        var created = await client.CreatePlaybookAsync(Spec());
        var stale = await Assert.ThrowsAsync<PlaybooksApiException>(() => client.UpdatePlaybookAsync(created.Id, new JsonObject { ["name"] = "x" }, ifMatchVersion: 7));
        Assert.Equal((HttpStatusCode.PreconditionFailed, "precondition_failed"), (stale.Status, stale.Code));
    }

    [Fact]
    public async Task Paged_lists_read_as_async_streams_following_next_cursor()
    {
        var (client, fault) = await ClientAsync();
        var created = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            created.Add((await client.CreatePlaybookAsync(Spec($"P{i}"))).Id);
        }
        fault.Seen.Clear();

        var all = await client.ListAllPlaybooksAsync(new ListOptions(Limit: 3)).ToListAsync();

        Assert.Equal(Enumerable.Reverse(created), all.Select(p => p.Id));
        Assert.Equal(3, fault.Seen.Count(r => r.Method == HttpMethod.Get));
    }

    [Fact]
    public async Task A_post_whose_answer_was_lost_is_retried_with_the_same_key_and_runs_once()
    {
        var (client, fault) = await ClientAsync();
        var playbook = await client.CreatePlaybookAsync(Spec());
        fault.Seen.Clear();
        fault.LoseAnswers = 2;

        var run = await client.StartRunAsync(playbook.Id);

        var attempts = fault.Seen.Where(r => r.Method == HttpMethod.Post).ToList();
        Assert.Equal(3, attempts.Count);
        Assert.Single(attempts.Select(a => a.IdempotencyKey).Distinct());
        Assert.NotNull(attempts[0].IdempotencyKey);
        var runs = await client.ListAllRunsAsync(playbook.Id).ToListAsync();
        Assert.Equal([run.Id], runs.Select(r => r.Id));
    }

    [Fact]
    public async Task Gets_retry_transient_failures_and_patches_do_not()
    {
        var (client, fault) = await ClientAsync();
        var playbook = await client.CreatePlaybookAsync(Spec());
        var run = await client.StartRunAsync(playbook.Id);

        fault.LoseAnswers = 2;
        Assert.Equal(playbook.Id, (await client.GetPlaybookAsync(playbook.Id)).Id);

        fault.LoseAnswers = 1;
        var lost = await Assert.ThrowsAsync<PlaybooksApiException>(() => client.EndRunAsync(playbook.Id, run.Id, "completed"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, lost.Status);
    }

    [Fact]
    public async Task Admin_calls_manage_workspaces_and_tokens()
    {
        var http = app.CreateClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", PlaybooksApp.AdminKey);
        var admin = new PlaybooksClient(http);

        var workspace = await admin.CreateWorkspaceAsync("Sales");
        var issued = await admin.CreateTokenAsync("user_7", [new Grant(workspace.Id, "viewer")]);
        var locked = await admin.UpdateWorkspaceAsync(workspace.Id, readOnly: true);
        var listed = await admin.ListAllWorkspacesAsync().ToListAsync();
        await admin.RevokeTokenAsync(issued.Token.Id);

        Assert.StartsWith("pbt_", issued.Secret);
        Assert.True(locked.ReadOnly);
        Assert.Contains(listed, w => w.Id == workspace.Id && w.ReadOnly);
        var revoked = await Assert.ThrowsAsync<PlaybooksApiException>(() => admin.RevokeTokenAsync(issued.Token.Id));
        Assert.Equal("not_found", revoked.Code);
        var second = await admin.CreateTokenAsync("user_8", [new Grant(workspace.Id, "editor")]);
        var page = await admin.ListTokensAsync(new ListOptions(Limit: 1));
        Assert.Equal(issued.Token.Id, Assert.Single(page.Items).Id);
        Assert.NotNull(page.NextCursor);
        var tokens = await admin.ListAllTokensAsync().ToListAsync();
        Assert.Equal([issued.Token.Id, second.Token.Id], tokens.Select(t => t.Id));
        Assert.NotNull(tokens[0].RevokedAt);
        Assert.Null(tokens[1].RevokedAt);
        Assert.Equal([new Grant(workspace.Id, "editor")], tokens[1].Grants);
    }

    /// <summary>Sends requests on, but can answer 503 in place of the server's answer: the work was done, the answer lost.</summary>
    private sealed class FaultyHandler : DelegatingHandler
    {
        public int LoseAnswers { get; set; }

        public List<(HttpMethod Method, string? IdempotencyKey)> Seen { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Seen.Add((request.Method, request.Headers.TryGetValues(PlaybooksClient.IdempotencyKeyHeader, out var keys) ? keys.Single() : null));
            var response = await base.SendAsync(request, cancellationToken);
            if (LoseAnswers > 0)
            {
                LoseAnswers--;
                return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { RequestMessage = request };
            }
            return response;
        }
    }
}
