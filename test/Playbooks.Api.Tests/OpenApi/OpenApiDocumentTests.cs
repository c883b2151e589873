using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.OpenApi;

/// <summary>
/// The document clients are generated from: the committed docs/openapi.json is what the server
/// serves, and it states what a generated client relies on. The document does not depend on
/// the database, so these run on SQLite only.
/// </summary>
public sealed class OpenApiDocumentTests : IDisposable
{
    private readonly PlaybooksApp app = new(Provider.Sqlite);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task The_committed_document_is_the_served_one()
    {
        var committed = JsonNode.Parse(await File.ReadAllTextAsync(RepositoryFile("docs", "openapi.json")))!;
        var served = await ServedAsync();

        // Compared whole, servers included: DocumentRules sets the relative "/" in both, so the
        // address a document was served from can never make them differ.
        var difference = FirstDifference(committed, served, "#");
        Assert.True(difference is null,
            $"docs/openapi.json differs from /openapi/v1.json at {difference}. The build writes the current one: "
            + "`cp src/Playbooks.Api/obj/openapi/openapi.json docs/openapi.json`, then commit it.");
    }

    [Fact]
    public async Task The_build_writes_the_served_document()
    {
        var built = JsonNode.Parse(await File.ReadAllTextAsync(RepositoryFile("src", "Playbooks.Api", "obj", "openapi", "openapi.json")))!;

        Assert.Null(FirstDifference(built, await ServedAsync(), "#"));
    }

    [Fact]
    public async Task It_states_what_a_generated_client_relies_on()
    {
        var document = await ServedAsync();
        var schemas = document["components"]!["schemas"]!;

        var create = document["paths"]!["/v1/playbooks"]!["post"]!;
        Assert.True(create["requestBody"]!["required"]!.GetValue<bool>());
        var createBody = Resolve(document, create["requestBody"]!["content"]!["application/json"]!["schema"]!);
        Assert.Equal(["buddyId", "mode", "name", "strategy"], Names(createBody["required"]));
        Assert.Contains("hypothesis", Names(Resolve(document, createBody["properties"]!["strategy"]!)["required"]));
        Assert.Equal(200, createBody["properties"]!["name"]!["maxLength"]!.GetValue<int>());

        foreach (var status in new[] { "400", "401" })
        {
            var problem = create["responses"]![status]!["content"]!["application/problem+json"]!["schema"]!;
            Assert.Equal("#/components/schemas/Problem", problem["$ref"]!.GetValue<string>());
        }
        Assert.NotNull(create["responses"]!["401"]!["headers"]!["WWW-Authenticate"]);
        var problemSchema = schemas["Problem"]!;
        Assert.Superset(new HashSet<string> { "type", "title", "status", "code", "traceId" }, Names(problemSchema["required"]).ToHashSet());
        Assert.Equal("object", problemSchema["properties"]!["errors"]!["type"]!.GetValue<string>());

        foreach (var list in new[] { "PlaybookList", "RunList", "VersionList", "PivotList", "WorkspaceList" })
        {
            Assert.DoesNotContain("nextCursor", Names(schemas[list]!["required"]));
            Assert.Equal("string", schemas[list]!["properties"]!["nextCursor"]!["type"]!.GetValue<string>());
        }

        var playbook = schemas["PlaybookResponse"]!["properties"]!;
        Assert.Equal("integer", playbook["version"]!["type"]!.GetValue<string>());
        Assert.Equal("string", playbook["createdAt"]!["type"]!.GetValue<string>());
        Assert.Equal("date-time", playbook["createdAt"]!["format"]!.GetValue<string>());
        Assert.Equal(["active", "archived", "draft", "paused"], Names(playbook["status"]!["enum"]));
        Assert.Equal(["null", "string"], Names(schemas["RunResponse"]!["properties"]!["note"]!["type"]));

        var get = document["paths"]!["/v1/playbooks/{id}"]!["get"]!;
        Assert.NotNull(get["responses"]!["200"]!["headers"]!["ETag"]);
        Assert.NotNull(get["responses"]!["404"]);

        var schemes = document["components"]!["securitySchemes"]!;
        Assert.Equal("bearer", schemes["apiToken"]!["scheme"]!.GetValue<string>());
        Assert.Equal("bearer", schemes["adminKey"]!["scheme"]!.GetValue<string>());
        Assert.NotNull(get["security"]![0]!["apiToken"]);
        Assert.NotNull(document["paths"]!["/v1/admin/tokens"]!["post"]!["security"]![0]!["adminKey"]);
    }

    [Fact]
    public async Task Lists_leave_nextCursor_out_on_the_last_page_as_documented()
    {
        var tenant = await app.NewTenantAsync();
        await (await tenant.Client.PostAsync("/v1/playbooks", Http.Json(Endpoints.CreateBody))).ExpectAsync(HttpStatusCode.Created);

        var first = (await tenant.Client.GetFromJsonAsync<JsonObject>("/v1/playbooks"))!;

        Assert.False(first.ContainsKey("nextCursor"));
    }

    private async Task<JsonNode> ServedAsync()
    {
        using var client = app.CreateClient();
        var response = await client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static string RepositoryFile(params string[] path)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Playbooks.slnx")))
            {
                return Path.Combine([directory.FullName, .. path]);
            }
        }
        throw new InvalidOperationException("No Playbooks.slnx above the test's directory.");
    }

    private static JsonNode Resolve(JsonNode document, JsonNode schema) =>
        schema["$ref"]?.GetValue<string>() is { } reference
            ? document["components"]!["schemas"]![reference["#/components/schemas/".Length..]]!
            : schema;

    private static string[] Names(JsonNode? array) =>
        array?.AsArray().Select(n => n?.GetValue<string>() ?? "null").Order(StringComparer.Ordinal).ToArray() ?? [];

    /// <summary>The JSON pointer of the first place two documents differ, or null.</summary>
    private static string? FirstDifference(JsonNode? a, JsonNode? b, string path)
    {
        if (a is JsonObject objectA && b is JsonObject objectB)
        {
            foreach (var key in objectA.Select(p => p.Key).Union(objectB.Select(p => p.Key)))
            {
                if (!objectA.ContainsKey(key) || !objectB.ContainsKey(key))
                {
                    return $"{path}/{key} (only in one)";
                }
                if (FirstDifference(objectA[key], objectB[key], $"{path}/{key}") is { } inner)
                {
                    return inner;
                }
            }
            return null;
        }
        if (a is JsonArray arrayA && b is JsonArray arrayB && arrayA.Count == arrayB.Count)
        {
            for (var i = 0; i < arrayA.Count; i++)
            {
                if (FirstDifference(arrayA[i], arrayB[i], $"{path}/{i}") is { } inner)
                {
                    return inner;
                }
            }
            return null;
        }
        return JsonNode.DeepEquals(a, b) ? null : path;
    }
}
