using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Playbooks.Api.Tests.Mcp;

/// <summary>The C# SDK's MCP client, as an agent host would use it, and reading what its tools answer.</summary>
public static class McpClients
{
    /// <summary>An MCP session over Streamable HTTP at <c>/mcp</c>, with a bearer token; <paramref name="handler"/> reaches an in-memory server.</summary>
    public static async Task<McpClient> ConnectAsync(Uri server, string token, string? workspaceId = null, HttpMessageHandler? handler = null)
    {
        var http = handler is null ? new HttpClient() : new HttpClient(handler);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (workspaceId is not null)
        {
            http.DefaultRequestHeaders.Add("X-Workspace-Id", workspaceId);
        }
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = new Uri(server, "/mcp"), TransportMode = HttpTransportMode.StreamableHttp },
            http, ownsHttpClient: true);
        return await McpClient.CreateAsync(transport);
    }

    /// <summary>Calls a tool that must succeed and returns its structured content (the API's JSON).</summary>
    public static async Task<JsonObject> CallAsync(this McpClient client, string tool, object arguments)
    {
        var result = await client.CallToolAsync(tool, Arguments(arguments));
        Assert.True(result.IsError != true, $"{tool} failed: {Text(result)}");
        var structured = JsonNode.Parse(result.StructuredContent!.Value.GetRawText())!.AsObject();
        // The text content carries the same JSON, for hosts that read only text.
        Assert.True(JsonNode.DeepEquals(structured, JsonNode.Parse(Text(result))));
        return structured;
    }

    /// <summary>Calls a tool that must fail, and returns the error's text, which starts with the problem's code.</summary>
    public static async Task<string> CallFailingAsync(this McpClient client, string tool, object arguments, string code)
    {
        var result = await client.CallToolAsync(tool, Arguments(arguments));
        Assert.True(result.IsError, $"{tool} should have failed with {code}: {Text(result)}");
        var text = Text(result);
        Assert.StartsWith(code + ": ", text, StringComparison.Ordinal);
        return text;
    }

    public static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(c => c.Text));

    private static Dictionary<string, object?> Arguments(object arguments) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(JsonSerializer.Serialize(arguments))!
            .ToDictionary(p => p.Key, p => (object?)p.Value);
}
