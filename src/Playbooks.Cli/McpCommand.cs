using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Playbooks.Client;

namespace Playbooks.Cli;

/// <summary>
/// <c>playbooks mcp</c>: the server's MCP tools, prompt and resources over stdio, for agent hosts
/// that launch a local command. It relays each request to the server's <c>/mcp</c> with the
/// configured token and workspace, so the tools are the server's own, under the server's rules:
/// nothing here can drift from them. A refusal the server answers over HTTP (429, 401 after a
/// revocation, 403) reaches the host as it would reach a direct client: a tool error, or a protocol
/// error for prompts and resources, whose text starts with the problem's code.
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
        using var http = new HttpClient(new ProblemsAsExceptions { InnerHandler = new SocketsHttpHandler() });
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
                    ListToolsHandler = (request, ct) => Relay(() => remote.ListToolsAsync(request.Params ?? new(), ct)),
                    CallToolHandler = (request, ct) => Relay(() => remote.CallToolAsync(request.Params!, ct), refused => new CallToolResult
                    {
                        IsError = true,
                        Content = [new TextContentBlock { Text = refused }],
                    }),
                    ListPromptsHandler = (request, ct) => Relay(() => remote.ListPromptsAsync(request.Params ?? new(), ct)),
                    GetPromptHandler = (request, ct) => Relay(() => remote.GetPromptAsync(request.Params!, ct)),
                    ListResourceTemplatesHandler = (request, ct) => Relay(() => remote.ListResourceTemplatesAsync(request.Params ?? new(), ct)),
                    ReadResourceHandler = (request, ct) => Relay(() => remote.ReadResourceAsync(request.Params!, ct)),
                },
            };
            await using var local = McpServer.Create(new StdioServerTransport(options), options);
            await local.RunAsync(cancellationToken);
        }
    }

    private const string RemotePrefix = "Request failed (remote): ";

    /// <summary>
    /// One request to the server. Its protocol errors pass on as the server gave them; a refusal
    /// over HTTP becomes <paramref name="refusedAs"/> (tool calls) or a protocol error.
    /// </summary>
    private static async ValueTask<T> Relay<T>(Func<ValueTask<T>> request, Func<string, T>? refusedAs = null)
    {
        try
        {
            return await request();
        }
        catch (McpProtocolException remote)
        {
            var message = remote.Message.StartsWith(RemotePrefix, StringComparison.Ordinal) ? remote.Message[RemotePrefix.Length..] : remote.Message;
            throw new McpProtocolException(message, remote.ErrorCode);
        }
        catch (HttpRequestException refused) when (refused.StatusCode is not null)
        {
            return refusedAs is not null ? refusedAs(refused.Message) : throw new McpProtocolException(refused.Message, McpErrorCode.InvalidRequest);
        }
    }

    /// <summary>An HTTP refusal as an exception whose message is the problem's <c>code: detail</c> (a 429's detail says when to retry).</summary>
    private sealed class ProblemsAsExceptions : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                return response;
            }
            using (response)
            {
                var problem = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
                throw new HttpRequestException($"{problem?["code"]}: {problem?["detail"]}", null, response.StatusCode);
            }
        }
    }
}
