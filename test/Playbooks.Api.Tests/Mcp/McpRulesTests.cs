using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Mcp;

/// <summary>
/// MCP under the API's rules where a test must move the server's clock or shape its limits: the
/// in-memory server with a fake clock, reached by the same MCP client over HTTP.
/// </summary>
public abstract class McpRulesTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    private Task<ModelContextProtocol.Client.McpClient> ConnectAsync(PlaybooksApp server, string token, string? workspaceId = null) =>
        McpClients.ConnectAsync(server.Server.BaseAddress, token, workspaceId, server.Server.CreateHandler());

    [Fact]
    public async Task Each_guard_refuses_a_pivot_by_name_and_says_when_one_is_allowed_next()
    {
        var tenant = await app.NewTenantAsync();
        await using var mcp = await ConnectAsync(app, tenant.Token);
        var strategy = new { hypothesis = "Founders reply", successMetric = "reply_rate", successTarget = 20 };
        var change = new { channels = new[] { "linkedin" } };

        var disabled = (await mcp.CallAsync("create_playbook", new
        {
            name = "Disabled", mode = "outbound", buddyId = "prospect", strategy, adaptation = new { enabled = false },
        }))["playbook"]!.Id();
        var text = await mcp.CallFailingAsync("propose_pivot", new { playbookId = disabled, reason = "r", strategy = change }, "adaptation_disabled");
        Assert.EndsWith("\nnextPivotAllowedAt: never", text, StringComparison.Ordinal);

        var playbookId = (await mcp.CallAsync("create_playbook", new
        {
            name = "Guarded", status = "active", mode = "outbound", buddyId = "prospect", strategy,
            adaptation = new { minSampleSize = 10, pivotWindowDays = 1, maxPivotsPerWeek = 1 },
        }))["playbook"]!.Id();
        text = await mcp.CallFailingAsync("propose_pivot", new { playbookId, reason = "r", strategy = change }, "insufficient_samples");
        Assert.StartsWith("insufficient_samples: The current strategy has 0 samples; a pivot needs at least 10.\n", text, StringComparison.Ordinal);

        var runId = (await mcp.CallAsync("start_run", new { playbookId }))["run"]!.Id();
        await mcp.CallAsync("report_outcome", new { runId, samples = 10, successes = 0 });
        text = await mcp.CallFailingAsync("propose_pivot", new { playbookId, runId, reason = "r", strategy = change }, "pivot_window_not_elapsed");
        var evaluation = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbookId}/adaptation")).ExpectAsync(HttpStatusCode.OK);
        Assert.EndsWith($"\nnextPivotAllowedAt: {evaluation.Str("evaluation.pivot.nextPivotAllowedAt")}", text, StringComparison.Ordinal);

        // A run of another playbook is not this pivot's run.
        var otherRun = (await mcp.CallAsync("start_run", new { playbookId = disabled }))["run"]!.Id();
        await mcp.CallFailingAsync("propose_pivot", new { playbookId, runId = otherRun, reason = "r", strategy = change }, "not_found");

        app.Clock.Advance(TimeSpan.FromDays(2));
        var pivoted = await mcp.CallAsync("propose_pivot", new { playbookId, runId, reason = "No replies in 10 contacts", strategy = change });
        Assert.Equal(2, pivoted["playbook"]!["version"]!.GetValue<int>());
        Assert.Equal("No replies in 10 contacts", pivoted.Str("pivot.reason"));
        var pivots = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbookId}/pivots")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(pivoted["pivot"], Assert.Single(pivots["pivots"]!.AsArray())));
        var current = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbookId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["linkedin"], current["playbook"]!["strategy"]!["channels"]!.AsArray().Select(c => c!.GetValue<string>()));

        // New evidence for the new strategy, its window over: the weekly budget of one is spent.
        var second = (await mcp.CallAsync("start_run", new { playbookId }))["run"]!.Id();
        await mcp.CallAsync("report_outcome", new { runId = second, samples = 10, successes = 0 });
        app.Clock.Advance(TimeSpan.FromDays(2));
        text = await mcp.CallFailingAsync("propose_pivot", new { playbookId, reason = "r", strategy = new { channels = new[] { "email" } } }, "pivot_limit_reached");
        evaluation = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbookId}/adaptation")).ExpectAsync(HttpStatusCode.OK);
        Assert.EndsWith($"\nnextPivotAllowedAt: {evaluation.Str("evaluation.pivot.nextPivotAllowedAt")}", text, StringComparison.Ordinal);
        Assert.Single((await (await tenant.Client.GetAsync($"/v1/playbooks/{playbookId}/pivots")).ExpectAsync(HttpStatusCode.OK))["pivots"]!.AsArray());
    }

    [Fact]
    public async Task A_token_with_several_workspaces_names_one_as_in_the_api()
    {
        var growth = await app.CreateWorkspaceAsync("Growth");
        var sales = await app.CreateWorkspaceAsync("Sales");
        var (_, token) = await app.CreateTokenAsync("user_9", (growth, "editor"), (sales, "viewer"));
        using var salesApi = app.ClientWithToken(token, sales);
        await app.ClientWithToken(token, growth).CreatePlaybookAsync();

        using var http = app.CreateClient();
        using var request = ToolsList(token);
        var refused = await http.SendAsync(request);
        await refused.ExpectProblemAsync(HttpStatusCode.BadRequest, "workspace_required");

        await using (var mcp = await ConnectAsync(app, token, growth))
        {
            Assert.Single((await mcp.CallAsync("list_playbooks", new { }))["playbooks"]!.AsArray());
        }
        await using (var mcp = await ConnectAsync(app, token, sales))
        {
            Assert.Empty((await mcp.CallAsync("list_playbooks", new { }))["playbooks"]!.AsArray());
            await mcp.CallFailingAsync("create_playbook", new { name = "P", mode = "outbound", buddyId = "prospect", strategy = new { hypothesis = "H" } }, "insufficient_role");
        }
        Assert.Empty((await (await salesApi.GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK))["playbooks"]!.AsArray());
    }

    [Fact]
    public async Task The_tokens_rate_limit_counts_mcp_requests_and_no_session_is_kept()
    {
        using var limited = new PlaybooksApp(provider, settings: new Dictionary<string, string>
        {
            ["Playbooks:RateLimit:PermitsPerSecond"] = "0.001",
            ["Playbooks:RateLimit:Burst"] = "3",
        });
        var tenant = await limited.NewTenantAsync();
        using var http = limited.CreateClient();
        // One bucket per token: an API call spends from the same budget as MCP requests.
        await (await tenant.Client.GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
        for (var i = 0; i < 2; i++)
        {
            using var request = ToolsList(tenant.Token);
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            // Stateless: any instance can answer the next request, so there is no session to name.
            Assert.False(response.Headers.Contains("Mcp-Session-Id"));
        }
        using var over = ToolsList(tenant.Token);
        var refused = await http.SendAsync(over);
        Assert.NotNull(refused.Headers.RetryAfter);
        await refused.ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    private static HttpRequestMessage ToolsList(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = Http.Json("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}"""),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        return request;
    }

    public sealed class OnSqlite() : McpRulesTests(Provider.Sqlite);

    public sealed class OnPostgres() : McpRulesTests(Provider.Postgres);
}
