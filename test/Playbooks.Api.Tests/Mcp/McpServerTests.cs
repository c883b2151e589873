using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Mcp;

/// <summary>
/// The MCP endpoint of a real server process, through the C# SDK's MCP client as an agent host
/// uses it; every effect checked through the HTTP API.
/// </summary>
public sealed class McpServerTests : IAsyncLifetime
{
    private const string AdminKey = "mcp-test-admin-key";
    private readonly string directory = Directory.CreateTempSubdirectory("playbooks-mcp-").FullName;
    private ServerProcess server = null!;

    public async Task InitializeAsync() => server = await ServerProcess.StartAsync(directory, new Dictionary<string, string>
    {
        ["ConnectionStrings:Playbooks"] = $"Data Source={Path.Combine(directory, "playbooks.db")}",
        ["Playbooks:AdminKey"] = AdminKey,
    });

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>A workspace of its own and a token for it, made through the admin API.</summary>
    private async Task<(string WorkspaceId, string Token)> TenantAsync(string role = "editor", bool readOnly = false, string subject = "user_42")
    {
        var admin = server.Client(AdminKey);
        var workspace = await (await admin.PostAsJsonAsync("/v1/admin/workspaces", new { name = "MCP" })).ExpectAsync(HttpStatusCode.Created);
        var workspaceId = workspace["workspace"]!.Id();
        var issued = await (await admin.PostAsJsonAsync("/v1/admin/tokens", new
        {
            subject,
            grants = new[] { new { workspaceId, role } },
        })).ExpectAsync(HttpStatusCode.Created);
        if (readOnly)
        {
            await (await admin.PatchAsJsonAsync($"/v1/admin/workspaces/{workspaceId}", new { readOnly = true })).ExpectAsync(HttpStatusCode.OK);
        }
        return (workspaceId, issued.Str("secret"));
    }

    private static readonly string[] Tools =
        ["list_playbooks", "get_playbook", "create_playbook", "update_playbook", "start_run", "report_outcome", "get_evaluation", "propose_pivot", "finish_run"];

    [Fact]
    public async Task Lists_the_tools_with_the_apis_schemas_and_marks_the_ones_that_only_read()
    {
        var (_, token) = await TenantAsync();
        await using var mcp = await McpClients.ConnectAsync(server.BaseAddress, token);

        var tools = (await mcp.ListToolsAsync()).ToDictionary(t => t.Name, t => t.ProtocolTool);
        Assert.Equal(Tools.Order(), tools.Keys.Order());
        foreach (var (name, tool) in tools)
        {
            Assert.Equal(name is "list_playbooks" or "get_playbook" or "get_evaluation", tool.Annotations?.ReadOnlyHint);
            Assert.False(string.IsNullOrWhiteSpace(tool.Description));
            Assert.Equal("object", tool.InputSchema.GetProperty("type").GetString());
            Assert.Equal("object", tool.OutputSchema!.Value.GetProperty("type").GetString());
        }

        // The inputs are the API's bodies, from its OpenAPI document: required fields, enums, bounds.
        var document = JsonNode.Parse(await server.Client().GetStringAsync("/openapi/v1.json"))!;
        var create = Schema(tools["create_playbook"].InputSchema);
        Assert.Equal(["name", "mode", "buddyId", "strategy"], Required(create));
        Assert.Equal(
            document["components"]!["schemas"]!["StrategyRequest"]!["properties"]!["successMetric"]!.ToJsonString(),
            create["properties"]!["strategy"]!["properties"]!["successMetric"]!.ToJsonString());
        Assert.Equal(["hypothesis"], Required(create["properties"]!["strategy"]!));

        Assert.Equal(["runId", "samples", "successes"], Required(Schema(tools["report_outcome"].InputSchema)));
        Assert.Equal(["runId", "status"], Required(Schema(tools["finish_run"].InputSchema)));
        Assert.Equal(["playbookId", "reason", "strategy"], Required(Schema(tools["propose_pivot"].InputSchema)));
        var update = Schema(tools["update_playbook"].InputSchema);
        Assert.Equal(["playbookId", "changes"], Required(update));
        Assert.Equal("integer", update["properties"]!["ifMatchVersion"]!["type"]!.GetValue<string>());
        Assert.Equal(["draft", "active", "paused", "archived"],
            Schema(tools["list_playbooks"].InputSchema)["properties"]!["status"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()));

        // The outputs are the API's answers: start_run adds the prompt beside the run.
        var started = Schema(tools["start_run"].OutputSchema!.Value);
        Assert.Equal(["run", "prompt"], Required(started));
        Assert.Contains("specVersion", Required(started["properties"]!["run"]!));
        Assert.Contains("playbook", Required(Schema(tools["get_playbook"].OutputSchema!.Value)));
    }

    [Fact]
    public async Task Runs_a_playbook_from_start_to_end_through_tools_alone()
    {
        var (_, token) = await TenantAsync(subject: "buddy_7");
        await using var mcp = await McpClients.ConnectAsync(server.BaseAddress, token);
        var http = server.Client(token);

        var created = (await mcp.CallAsync("create_playbook", new
        {
            name = "Series B heads of growth",
            status = "active",
            mode = "outbound",
            buddyId = "prospect",
            strategy = new { hypothesis = "Heads of growth at Series B SaaS book meetings", successMetric = "meeting_booked", successTarget = 2 },
            adaptation = new { minSampleSize = 10 },
        }))["playbook"]!;
        var playbookId = created.Id();
        var fromApi = await (await http.GetAsync($"/v1/playbooks/{playbookId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(fromApi, await mcp.CallAsync("get_playbook", new { playbookId })));
        var listed = await mcp.CallAsync("list_playbooks", new { status = "active", limit = 10 });
        Assert.Equal([playbookId], listed["playbooks"]!.AsArray().Select(p => p!.Id()));

        var start = await mcp.CallAsync("start_run", new { playbookId });
        var runId = start["run"]!.Id();
        Assert.Equal("running", start.Str("run.status"));
        var prompt = start.Str("prompt");
        Assert.Contains("\"Heads of growth at Series B SaaS book meetings\"", prompt, StringComparison.Ordinal);
        Assert.Contains(runId, prompt, StringComparison.Ordinal);

        await mcp.CallAsync("report_outcome", new { runId, samples = 6, successes = 1 });
        var reported = await mcp.CallAsync("report_outcome", new { runId, samples = 6, successes = 2 });
        Assert.Equal(12, reported["run"]!["metrics"]!["samples"]!.GetValue<int>());
        var evaluation = await mcp.CallAsync("get_evaluation", new { playbookId });
        Assert.Equal(12, evaluation["evaluation"]!["samples"]!.GetValue<int>());
        Assert.Equal(3, evaluation["evaluation"]!["successes"]!.GetValue<int>());
        var finished = await mcp.CallAsync("finish_run", new { runId, status = "completed", note = "12 leads contacted" });
        Assert.Equal("completed", finished.Str("run.status"));

        // Every effect, through the API: the run recorded with the token's subject, counted, ended.
        var run = (await (await http.GetAsync($"/v1/runs/{runId}")).ExpectAsync(HttpStatusCode.OK))["run"]!;
        Assert.True(JsonNode.DeepEquals(finished["run"], run));
        Assert.Equal("buddy_7", run.Str("createdBy"));
        Assert.Equal(playbookId, run.Str("playbookId"));
        Assert.Equal(12, run["metrics"]!["samples"]!.GetValue<int>());
        Assert.Equal(3, run["metrics"]!["successes"]!.GetValue<int>());
        Assert.Equal("completed", run.Str("status"));
        Assert.Equal("12 leads contacted", run.Str("note"));
        Assert.NotNull(run["endedAt"]);
        var adaptation = await (await http.GetAsync($"/v1/playbooks/{playbookId}/adaptation")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(evaluation.Str("evaluation.state"), adaptation.Str("evaluation.state"));

        // The end is final, as in the API.
        await mcp.CallFailingAsync("finish_run", new { runId, status = "failed" }, "run_not_running");
        await mcp.CallFailingAsync("report_outcome", new { runId, samples = 1, successes = 0 }, "run_not_running");

        // An update through the tool, with and without the version it expects.
        var updated = await mcp.CallAsync("update_playbook", new { playbookId, changes = new { strategy = new { channels = new[] { "email" } } }, ifMatchVersion = 1 });
        Assert.Equal(2, updated["playbook"]!["version"]!.GetValue<int>());
        await mcp.CallFailingAsync("update_playbook", new { playbookId, changes = new { name = "Stale" }, ifMatchVersion = 1 }, "precondition_failed");
    }

    [Fact]
    public async Task A_validation_error_names_the_field_so_a_model_can_correct_itself()
    {
        var (_, token) = await TenantAsync();
        await using var mcp = await McpClients.ConnectAsync(server.BaseAddress, token);

        var text = await mcp.CallFailingAsync("create_playbook", new
        {
            name = "No hypothesis",
            mode = "outbound",
            buddyId = "prospect",
            strategy = new { successTarget = -1 },
        }, "validation_failed");
        Assert.Contains("\nstrategy.hypothesis: ", text, StringComparison.Ordinal);
        Assert.Contains("\nstrategy.successTarget: ", text, StringComparison.Ordinal);
        Assert.Empty((await (await server.Client(token).GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK))["playbooks"]!.AsArray());

        var playbookId = (await mcp.CallAsync("create_playbook", new { name = "P", mode = "outbound", buddyId = "prospect", strategy = new { hypothesis = "H" } }))["playbook"]!.Id();
        var runId = (await mcp.CallAsync("start_run", new { playbookId }))["run"]!.Id();
        Assert.Contains("\nsuccesses: ", await mcp.CallFailingAsync("report_outcome", new { runId, samples = 1, successes = 2 }, "validation_failed"), StringComparison.Ordinal);
        Assert.Contains("\nsamples: ", await mcp.CallFailingAsync("report_outcome", new { runId, samples = "many", successes = 0 }, "validation_failed"), StringComparison.Ordinal);
        Assert.Contains("\nstatus: ", await mcp.CallFailingAsync("finish_run", new { runId, status = "done" }, "validation_failed"), StringComparison.Ordinal);
        Assert.Contains("\nrunId: ", await mcp.CallFailingAsync("finish_run", new { status = "completed" }, "validation_failed"), StringComparison.Ordinal);
        Assert.Contains("\nchanges: ", await mcp.CallFailingAsync("update_playbook", new { playbookId }, "validation_failed"), StringComparison.Ordinal);
        Assert.Contains("\nlimit: ", await mcp.CallFailingAsync("list_playbooks", new { limit = 0 }, "validation_failed"), StringComparison.Ordinal);
        await mcp.CallFailingAsync("get_playbook", new { playbookId = "pb_01KB0000000000000000000000" }, "not_found");
        await mcp.CallFailingAsync("report_outcome", new { runId = "run_01KB0000000000000000000000", samples = 1, successes = 0 }, "not_found");
    }

    [Fact]
    public async Task A_viewer_and_a_read_only_workspace_read_but_cannot_change_anything()
    {
        var (workspaceId, editorToken) = await TenantAsync();
        var playbook = await server.Client(editorToken).CreatePlaybookAsync();
        var admin = server.Client(AdminKey);
        var viewer = (await (await admin.PostAsJsonAsync("/v1/admin/tokens", new { subject = "viewer", grants = new[] { new { workspaceId, role = "viewer" } } }))
            .ExpectAsync(HttpStatusCode.Created)).Str("secret");

        await using (var mcp = await McpClients.ConnectAsync(server.BaseAddress, viewer))
        {
            Assert.Single((await mcp.CallAsync("list_playbooks", new { }))["playbooks"]!.AsArray());
            await mcp.CallAsync("get_evaluation", new { playbookId = playbook.Id() });
            var refused = await mcp.CallFailingAsync("start_run", new { playbookId = playbook.Id() }, "insufficient_role");
            Assert.Contains("viewer", refused, StringComparison.Ordinal);
            await mcp.CallFailingAsync("create_playbook", new { name = "P", mode = "outbound", buddyId = "prospect", strategy = new { hypothesis = "H" } }, "insufficient_role");
        }

        await (await admin.PatchAsJsonAsync($"/v1/admin/workspaces/{workspaceId}", new { readOnly = true })).ExpectAsync(HttpStatusCode.OK);
        await using (var mcp = await McpClients.ConnectAsync(server.BaseAddress, editorToken))
        {
            await mcp.CallAsync("get_playbook", new { playbookId = playbook.Id() });
            await mcp.CallFailingAsync("start_run", new { playbookId = playbook.Id() }, "read_only_workspace");
        }
        // As in the API, a read-only workspace is the reason given before the role.
        await using (var mcp = await McpClients.ConnectAsync(server.BaseAddress, viewer))
        {
            await mcp.CallFailingAsync("start_run", new { playbookId = playbook.Id() }, "read_only_workspace");
        }
        var runs = await (await server.Client(editorToken).GetAsync($"/v1/playbooks/{playbook.Id()}/runs")).ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(runs["runs"]!.AsArray());
    }

    [Fact]
    public async Task A_missing_or_bad_token_gets_http_401_with_a_bearer_challenge()
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        foreach (var authorization in new string?[] { null, "Bearer pbt_01JD0000000000000000000000_notARealSecretAtAllAAAAAAAAAAAAAAAAAAAAAAA", "Basic dXNlcjpwYXNz" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
            {
                Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Accept.ParseAdd("application/json, text/event-stream");
            if (authorization is not null)
            {
                request.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);
            }
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
            await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        }

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => McpClients.ConnectAsync(server.BaseAddress, "not-a-token"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task The_prompt_is_the_runtimes_and_the_resources_are_the_apis_json()
    {
        var (_, token) = await TenantAsync();
        var http = server.Client(token);
        var playbook = await http.CreatePlaybookAsync();
        var playbookId = playbook.Id();
        await using var mcp = await McpClients.ConnectAsync(server.BaseAddress, token);

        var prompt = Assert.Single(await mcp.ListPromptsAsync());
        Assert.Equal("run_playbook", prompt.Name);
        var argument = Assert.Single(prompt.ProtocolPrompt.Arguments!);
        Assert.Equal(("playbookId", true), (argument.Name, argument.Required));
        var message = Assert.Single((await mcp.GetPromptAsync("run_playbook", new Dictionary<string, object?> { ["playbookId"] = playbookId })).Messages);
        Assert.Equal(Role.User, message.Role);
        // What the runtime builds from the API's answers (a dry run), byte for byte.
        using var client = Client.PlaybooksClient.Create(server.BaseAddress, token);
        var expected = Client.PromptBuilder.Build(await client.GetPlaybookAsync(playbookId), await client.EvaluateAsync(playbookId), null);
        Assert.Equal(expected, Assert.IsType<TextContentBlock>(message.Content).Text);
        var missing = await Assert.ThrowsAsync<McpProtocolException>(() =>
            mcp.GetPromptAsync("run_playbook", new Dictionary<string, object?> { ["playbookId"] = "pb_01KB0000000000000000000000" }).AsTask());
        Assert.Equal("Request failed (remote): not_found: No playbook with that id exists in this workspace.", missing.Message);

        var templates = await mcp.ListResourceTemplatesAsync();
        Assert.Equal(["playbook://{playbookId}", "playbook://{playbookId}/evaluation"], templates.Select(t => t.UriTemplate).Order());
        var resource = Assert.IsType<TextResourceContents>(Assert.Single((await mcp.ReadResourceAsync($"playbook://{playbookId}")).Contents));
        Assert.Equal("application/json", resource.MimeType);
        Assert.True(JsonNode.DeepEquals(await (await http.GetAsync($"/v1/playbooks/{playbookId}")).ExpectAsync(HttpStatusCode.OK), JsonNode.Parse(resource.Text)));
        var evaluation = Assert.IsType<TextResourceContents>(Assert.Single((await mcp.ReadResourceAsync($"playbook://{playbookId}/evaluation")).Contents));
        var fromApi = await (await http.GetAsync($"/v1/playbooks/{playbookId}/adaptation")).ExpectAsync(HttpStatusCode.OK);
        var fromResource = JsonNode.Parse(evaluation.Text)!;
        // The same evaluation but for the instant it was made.
        Assert.True(DateTimeOffset.Parse(fromResource.Str("evaluation.evaluatedAt"), CultureInfo.InvariantCulture) <= DateTimeOffset.Parse(fromApi.Str("evaluation.evaluatedAt"), CultureInfo.InvariantCulture));
        fromApi["evaluation"]!.AsObject().Remove("evaluatedAt");
        fromResource["evaluation"]!.AsObject().Remove("evaluatedAt");
        Assert.True(JsonNode.DeepEquals(fromApi, fromResource), evaluation.Text);
        await Assert.ThrowsAsync<McpProtocolException>(() => mcp.ReadResourceAsync("playbook://pb_01KB0000000000000000000000").AsTask());
    }

    [Fact]
    public async Task Another_workspaces_playbooks_and_runs_are_not_found_through_any_tool_prompt_or_resource()
    {
        var (_, mine) = await TenantAsync();
        var (_, theirs) = await TenantAsync(subject: "other");
        var playbook = await server.Client(theirs).CreatePlaybookAsync();
        var run = await (await server.Client(theirs).PostAsync($"/v1/playbooks/{playbook.Id()}/run", null)).ExpectAsync(HttpStatusCode.Created);
        var (playbookId, runId) = (playbook.Id(), run["run"]!.Id());
        await using var mcp = await McpClients.ConnectAsync(server.BaseAddress, mine);

        Assert.Empty((await mcp.CallAsync("list_playbooks", new { }))["playbooks"]!.AsArray());
        await mcp.CallFailingAsync("get_playbook", new { playbookId }, "not_found");
        await mcp.CallFailingAsync("get_evaluation", new { playbookId }, "not_found");
        await mcp.CallFailingAsync("start_run", new { playbookId }, "not_found");
        await mcp.CallFailingAsync("update_playbook", new { playbookId, changes = new { name = "Mine now" } }, "not_found");
        await mcp.CallFailingAsync("propose_pivot", new { playbookId, reason = "r", strategy = new { channels = new[] { "x" } } }, "not_found");
        await mcp.CallFailingAsync("report_outcome", new { runId, samples = 1, successes = 0 }, "not_found");
        await mcp.CallFailingAsync("finish_run", new { runId, status = "cancelled" }, "not_found");
        await Assert.ThrowsAsync<McpProtocolException>(() => mcp.ReadResourceAsync($"playbook://{playbookId}").AsTask());
        await Assert.ThrowsAsync<McpProtocolException>(() => mcp.ReadResourceAsync($"playbook://{playbookId}/evaluation").AsTask());
        await Assert.ThrowsAsync<McpProtocolException>(() => mcp.GetPromptAsync("run_playbook", new Dictionary<string, object?> { ["playbookId"] = playbookId }).AsTask());

        var untouched = await (await server.Client(theirs).GetAsync($"/v1/runs/{runId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("running", untouched.Str("run.status"));
        Assert.Equal(0, untouched["run"]!["metrics"]!["samples"]!.GetValue<int>());
        Assert.Equal(1, (await (await server.Client(theirs).GetAsync($"/v1/playbooks/{playbookId}")).ExpectAsync(HttpStatusCode.OK))["playbook"]!["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task Malformed_messages_get_the_apis_body_problems_or_invalid_params_and_never_an_internal_error()
    {
        var (_, token) = await TenantAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        async Task<HttpResponseMessage> PostAsync(string json)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Accept.ParseAdd("application/json, text/event-stream");
            return await http.SendAsync(request);
        }

        async Task ExpectInvalidParamsAsync(string json, string message)
        {
            using var response = await PostAsync(json);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal(7, answer["id"]!.GetValue<int>());
            Assert.Equal(-32602, answer["error"]!["code"]!.GetValue<int>());
            Assert.Contains(message, answer["error"]!.Str("message"), StringComparison.Ordinal);
        }

        await ExpectInvalidParamsAsync("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get_playbook","arguments":[1,2]}}""", "arguments must be an object");
        await ExpectInvalidParamsAsync("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":5}}""", "name must be");
        await ExpectInvalidParamsAsync("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":"get_playbook"}""", "params must be an object");
        await ExpectInvalidParamsAsync("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"delete_everything","arguments":{}}}""", "no tool named 'delete_everything'");

        // The API's body rules: duplicate members, depth, size.
        await (await PostAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_playbook","arguments":{"name":"A","name":"B"}}}"""))
            .ExpectValidationAsync("body");
        var deep = """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_playbook","arguments":{"x":""" + new string('[', 40) + new string(']', 40) + "}}}";
        await (await PostAsync(deep)).ExpectValidationAsync("body");
        var huge = """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_playbook","arguments":{"playbookId":""" + $"\"{new string('x', 70_000)}\"" + "}}}";
        await (await PostAsync(huge)).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        // Arguments of the wrong types are field errors; the playbook is looked up before the body is read, as in the API.
        await using var mcp = await McpClients.ConnectAsync(server.BaseAddress, token);
        Assert.Contains("\nplaybookId: ", await mcp.CallFailingAsync("get_playbook", new { playbookId = 42 }, "validation_failed"), StringComparison.Ordinal);
        await mcp.CallFailingAsync("update_playbook", new { playbookId = "pb_01KB0000000000000000000000", changes = "everything" }, "not_found");
        Assert.Contains("\nstatus: ", await mcp.CallFailingAsync("list_playbooks", new { status = new string('x', 70) }, "validation_failed"), StringComparison.Ordinal);
        Assert.Single((await mcp.CallAsync("list_playbooks", new { limit = 10.0 })).AsObject());
        Assert.Contains("\nrunId: ", await mcp.CallFailingAsync("propose_pivot", new { playbookId = (await server.Client(token).CreatePlaybookAsync()).Id(), runId = 5 }, "validation_failed"), StringComparison.Ordinal);
    }

    private static JsonNode Schema(JsonElement schema) => JsonNode.Parse(schema.GetRawText())!;

    private static string[] Required(JsonNode schema) => schema["required"]?.AsArray().Select(r => r!.GetValue<string>()).ToArray() ?? [];
}
