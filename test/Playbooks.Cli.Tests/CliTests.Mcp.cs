using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Playbooks.Api.Tests.Infrastructure;
using Playbooks.Api.Tests.Mcp;

namespace Playbooks.Cli.Tests;

/// <summary><c>playbooks mcp</c> as an agent host launches it: a process speaking MCP on stdio.</summary>
public sealed partial class CliTests
{
    private async Task<McpClient> LaunchMcpAsync(string token, Action<string>? stderr = null)
    {
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "playbooks",
            Command = "dotnet",
            Arguments = [Path.Combine(AppContext.BaseDirectory, "playbooks.dll"), "mcp"],
            EnvironmentVariables = new Dictionary<string, string?> { ["PLAYBOOKS_SERVER"] = server.BaseAddress.ToString(), ["PLAYBOOKS_TOKEN"] = token },
            StandardErrorLines = stderr,
        });
        return await McpClient.CreateAsync(transport);
    }

    [Fact]
    public async Task Mcp_serves_the_servers_tools_prompt_and_resources_over_stdio()
    {
        var (_, token, cli) = await TenantWithTokenAsync();
        await using var local = await LaunchMcpAsync(token);
        await using var remote = await McpClients.ConnectAsync(server.BaseAddress, token);

        // The same tools, with the same schemas, as the server's /mcp.
        var overStdio = (await local.ListToolsAsync()).Select(t => JsonSerializer.Serialize(t.ProtocolTool)).Order().ToList();
        var overHttp = (await remote.ListToolsAsync()).Select(t => JsonSerializer.Serialize(t.ProtocolTool)).Order().ToList();
        Assert.Equal(9, overStdio.Count);
        Assert.Equal(overHttp, overStdio);

        var playbook = (await local.CallAsync("create_playbook", new
        {
            name = "Over stdio", mode = "inbound", buddyId = "insights", strategy = new { hypothesis = "Inbound leads answer" },
        }))["playbook"]!;
        var run = (await local.CallAsync("start_run", new { playbookId = playbook.Id() }))["run"]!;
        await local.CallAsync("report_outcome", new { runId = run.Id(), samples = 3, successes = 1 });
        await local.CallFailingAsync("report_outcome", new { runId = run.Id(), samples = 1, successes = 2 }, "validation_failed");

        // The effects are the server's: the CLI sees them too.
        var runs = await cli.RunAsync("runs", playbook.Id(), "--json");
        Assert.Equal(0, runs.ExitCode);
        Assert.Contains(run.Id(), runs.Out, StringComparison.Ordinal);
        Assert.Contains("\"samples\": 3", runs.Out, StringComparison.Ordinal);

        var prompt = await local.GetPromptAsync("run_playbook", new Dictionary<string, object?> { ["playbookId"] = playbook.Id() });
        var dryRun = await cli.RunAsync("run", playbook.Id(), "--dry-run");
        Assert.Equal(dryRun.Out, Assert.IsType<TextContentBlock>(Assert.Single(prompt.Messages).Content).Text);
        var resource = Assert.IsType<TextResourceContents>(Assert.Single((await local.ReadResourceAsync($"playbook://{playbook.Id()}")).Contents));
        Assert.Equal(playbook.Id(), JsonNode.Parse(resource.Text)!["playbook"]!.Id());
        var missing = await Assert.ThrowsAsync<McpProtocolException>(() => local.ReadResourceAsync("playbook://pb_01KB0000000000000000000000").AsTask());
        // The host's client says where the error came from; the relay adds nothing of its own.
        Assert.Equal("Request failed (remote): not_found: No playbook with that id exists in this workspace.", missing.Message);
    }

    [Fact]
    public async Task Mcp_relays_a_refusal_over_http_as_a_tool_error_with_the_problems_code()
    {
        // A server of its own, with a budget of 4 requests for the token: the handshake spends 2.
        var limitedRoot = Directory.CreateTempSubdirectory("playbooks-cli-limited-").FullName;
        await using var limited = await ServerProcess.StartAsync(limitedRoot, new Dictionary<string, string>
        {
            ["ConnectionStrings:Playbooks"] = $"Data Source={Path.Combine(limitedRoot, "playbooks.db")}",
            ["Playbooks:AdminKey"] = AdminKey,
            ["Playbooks:RateLimit:PermitsPerSecond"] = "0.001",
            ["Playbooks:RateLimit:Burst"] = "4",
        });
        var admin = limited.Client(AdminKey);
        var workspace = await (await admin.PostAsJsonAsync("/v1/admin/workspaces", new { name = "Limited" })).ExpectAsync(System.Net.HttpStatusCode.Created);
        var issued = await (await admin.PostAsJsonAsync("/v1/admin/tokens", new
        {
            subject = "user_42",
            grants = new[] { new { workspaceId = workspace["workspace"]!.Id(), role = "editor" } },
        })).ExpectAsync(System.Net.HttpStatusCode.Created);

        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Command = "dotnet",
            Arguments = [Path.Combine(AppContext.BaseDirectory, "playbooks.dll"), "mcp"],
            EnvironmentVariables = new Dictionary<string, string?> { ["PLAYBOOKS_SERVER"] = limited.BaseAddress.ToString(), ["PLAYBOOKS_TOKEN"] = issued.Str("secret") },
        });
        await using var local = await McpClient.CreateAsync(transport);
        // The budget runs out within a few calls (how many requests the handshake takes is the SDK's business).
        var first = await local.CallToolAsync("list_playbooks", new Dictionary<string, object?>());
        Assert.NotEqual(true, first.IsError);
        CallToolResult refused;
        var calls = 1;
        do
        {
            refused = await local.CallToolAsync("list_playbooks", new Dictionary<string, object?>());
        }
        while (refused.IsError != true && ++calls < 10);
        Assert.True(refused.IsError);
        Assert.StartsWith("rate_limited: Too many requests for this token; retry after ", McpClients.Text(refused), StringComparison.Ordinal);
        Directory.Delete(limitedRoot, recursive: true);
    }

    [Fact]
    public async Task Mcp_with_a_refused_token_says_so_on_stderr_and_exits_non_zero()
    {
        var result = await new CliProcess(server.BaseAddress, "pbt_not_a_token").RunAsync("mcp");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Out); // stdout belongs to the protocol
        Assert.Contains("refused the token (401)", result.Error, StringComparison.Ordinal);
    }
}
