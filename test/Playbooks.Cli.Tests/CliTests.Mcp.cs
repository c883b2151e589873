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
        Assert.Contains("not_found", missing.Message, StringComparison.Ordinal);
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
