using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Playbooks.Client;

namespace Playbooks.Cli;

/// <summary>
/// <c>playbooks mcp</c>: the server's MCP tools, prompt and resources over stdio, for agent hosts
/// that launch a local command. It relays each request to the server's <c>/mcp</c> with the
/// configured token and workspace, so the tools are the server's own, under the server's rules:
/// nothing here can drift from them.
/// </summary>
public static class McpCommand
{
    public static Command Build()
    {
        var command = new Command("mcp", "Serve the server's MCP tools over stdio, for agent hosts that launch a local command (see the README)");
        command.SetAction(Cli.With(ServeAsync));
        return command;
    }

    private static async Task ServeAsync(Cli.Context context, CancellationToken cancellationToken)
    {
        var (server, token, workspace) = context.Connection;
        // No retries: a tool call that changes something is not safe to send twice.
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (!string.IsNullOrEmpty(workspace))
        {
            http.DefaultRequestHeaders.Add(PlaybooksClient.WorkspaceHeader, workspace);
        }

        McpClient remote;
        try
        {
            var transport = new HttpClientTransport(
                new HttpClientTransportOptions { Endpoint = new Uri(server, "mcp"), TransportMode = HttpTransportMode.StreamableHttp, Name = "playbooks" }, http);
            remote = await McpClient.CreateAsync(transport, cancellationToken: cancellationToken);
        }
        catch (HttpRequestException refused) when (refused.StatusCode is { } status)
        {
            throw new Cli.RefusedException(status == HttpStatusCode.Unauthorized
                ? $"The server at {server} refused the token (401): check --token or PLAYBOOKS_TOKEN."
                : $"The server at {server} refused the MCP connection ({(int)status}): {refused.Message}");
        }

        await using (remote)
        {
            var options = new McpServerOptions
            {
                ServerInfo = remote.ServerInfo,
                ServerInstructions = remote.ServerInstructions,
                Handlers = new McpServerHandlers
                {
                    ListToolsHandler = (request, ct) => remote.ListToolsAsync(request.Params ?? new(), ct),
                    CallToolHandler = (request, ct) => remote.CallToolAsync(request.Params!, ct),
                    ListPromptsHandler = (request, ct) => remote.ListPromptsAsync(request.Params ?? new(), ct),
                    GetPromptHandler = (request, ct) => remote.GetPromptAsync(request.Params!, ct),
                    ListResourceTemplatesHandler = (request, ct) => remote.ListResourceTemplatesAsync(request.Params ?? new(), ct),
                    ReadResourceHandler = (request, ct) => remote.ReadResourceAsync(request.Params!, ct),
                },
            };
            await using var local = McpServer.Create(new StdioServerTransport(options), options);
            await local.RunAsync(cancellationToken);
        }
    }
}
