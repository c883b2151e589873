using System.Text.Json;
using Playbooks.Api.Infrastructure;

namespace Playbooks.Api.Mcp;

/// <summary>
/// What a message to <c>/mcp</c> must be before the SDK reads it, by the API's own body rules:
/// at most 64 KiB (413), JSON of depth 32 at most with no duplicate member (400 with the field
/// <c>body</c>), as every API body. A <c>tools/call</c> must name a known tool with a string and
/// give its arguments as an object: anything else is the protocol's invalid-params error,
/// answered here so that no client input reaches the SDK as an internal error.
/// </summary>
public static class McpMessages
{
    public static async Task GuardAsync(HttpContext http, RequestDelegate next)
    {
        if (!HttpMethods.IsPost(http.Request.Method))
        {
            await next(http);
            return;
        }

        http.Request.EnableBuffering(JsonBody.MaxBytes + 1);
        var body = await JsonBody.ReadObjectAsync(http.Request, http.RequestAborted);
        if (body.Problem is { } problem)
        {
            await problem.ExecuteAsync(http);
            return;
        }
        using (body.Document)
        {
            if (InvalidToolCall(body.Root) is { } message)
            {
                await InvalidParamsAsync(http, body.Root, message);
                return;
            }
        }
        http.Request.Body.Position = 0;
        await next(http);
    }

    private static string? InvalidToolCall(JsonElement message)
    {
        if (!message.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.String || method.GetString() != "tools/call")
        {
            return null;
        }
        if (!message.TryGetProperty("params", out var parameters) || parameters.ValueKind != JsonValueKind.Object)
        {
            return "params must be an object with the tool's name and arguments.";
        }
        if (!parameters.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
        {
            return "params.name must be the tool's name, a string.";
        }
        if (!PlaybookTools.All.Any(tool => tool.Name == name.GetString()))
        {
            return $"There is no tool named '{name.GetString()}'; tools/list names them.";
        }
        return parameters.TryGetProperty("arguments", out var arguments) && arguments.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null)
            ? "params.arguments must be an object."
            : null;
    }

    /// <summary>JSON-RPC's invalid-params error (-32602) for the request's id.</summary>
    private static Task InvalidParamsAsync(HttpContext http, JsonElement message, string text)
    {
        http.Response.ContentType = "application/json";
        var id = message.TryGetProperty("id", out var given) && given.ValueKind is JsonValueKind.String or JsonValueKind.Number ? given.Clone() : (JsonElement?)null;
        return http.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            jsonrpc = "2.0",
            id,
            error = new { code = -32602, message = text },
        }));
    }
}
