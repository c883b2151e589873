using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Playbooks.Api.Mcp;

/// <summary>
/// The JSON schemas of the API's bodies and answers, taken from the server's own OpenAPI document
/// with every <c>$ref</c> written out: the MCP tools' inputs and outputs are the API's, by
/// construction. The document is built once, on the first request that needs it.
/// </summary>
public sealed class ApiSchemas(IServiceProvider services)
{
    private readonly Lock gate = new();
    private Task<JsonObject>? document;

    /// <summary>The JSON body operation <paramref name="operationId"/> takes, as a self-contained schema.</summary>
    public async Task<JsonObject> RequestAsync(string operationId) =>
        Inline(await DocumentAsync(), Operation(await DocumentAsync(), operationId)["requestBody"]!["content"]!["application/json"]!["schema"]!);

    /// <summary>The JSON body of the success answer of <paramref name="operationId"/>.</summary>
    public async Task<JsonObject> ResponseAsync(string operationId)
    {
        var responses = Operation(await DocumentAsync(), operationId)["responses"]!.AsObject();
        var success = responses.First(r => r.Key.StartsWith('2')).Value!;
        return Inline(await DocumentAsync(), success["content"]!["application/json"]!["schema"]!);
    }

    /// <summary>The schema of the query parameter <paramref name="name"/> of <paramref name="operationId"/>, with its description.</summary>
    public async Task<JsonObject> QueryParameterAsync(string operationId, string name)
    {
        var parameter = Operation(await DocumentAsync(), operationId)["parameters"]!.AsArray()
            .First(p => p!["in"]!.GetValue<string>() == "query" && p["name"]!.GetValue<string>() == name)!;
        var schema = Inline(await DocumentAsync(), parameter["schema"]!);
        if (parameter["description"] is { } description)
        {
            schema["description"] = description.DeepClone();
        }
        return schema;
    }

    /// <summary>The document, built once; a build that failed is tried again on the next request.</summary>
    private Task<JsonObject> DocumentAsync()
    {
        lock (gate)
        {
            if (document is null || document.IsFaulted || document.IsCanceled)
            {
                document = LoadAsync(services);
            }
            return document;
        }
    }

    private static async Task<JsonObject> LoadAsync(IServiceProvider services)
    {
        var provider = services.GetRequiredKeyedService<IOpenApiDocumentProvider>("v1");
        var openApi = await provider.GetOpenApiDocumentAsync();
        var json = await openApi.SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_1);
        return JsonNode.Parse(json)!.AsObject();
    }

    private static JsonObject Operation(JsonObject document, string operationId) =>
        document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(operation => operation.Value))
            .OfType<JsonObject>()
            .First(operation => operation["operationId"]?.GetValue<string>() == operationId);

    /// <summary>A copy of <paramref name="schema"/> with each reference replaced by what it names (the API's schemas are not recursive).</summary>
    private static JsonObject Inline(JsonObject document, JsonNode schema) => (JsonObject)InlineNode(document, schema, 0);

    private static JsonNode InlineNode(JsonObject document, JsonNode node, int depth)
    {
        if (depth > 32)
        {
            throw new InvalidOperationException("The OpenAPI document's schemas nest deeper than 32 references.");
        }
        switch (node)
        {
            case JsonObject reference when reference["$ref"]?.GetValue<string>() is { } target:
                var named = (JsonObject)InlineNode(document, document["components"]!["schemas"]![target["#/components/schemas/".Length..]]!, depth + 1);
                foreach (var (key, value) in reference.Where(member => member.Key != "$ref"))
                {
                    named[key] = value?.DeepClone(); // a description beside the reference says more than the target's
                }
                return named;
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    // OpenAPI's own keyword, not JSON Schema's: hosts need not know it.
                    if (key != "discriminator")
                    {
                        copy[key] = value is null ? null : InlineNode(document, value, depth);
                    }
                }
                return copy;
            case JsonArray array:
                return new JsonArray([.. array.Select(item => item is null ? null : InlineNode(document, item, depth))]);
            default:
                return node.DeepClone();
        }
    }
}
