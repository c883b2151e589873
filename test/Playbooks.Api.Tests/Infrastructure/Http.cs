using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Playbooks.Api.Tests.Infrastructure;

/// <summary>Small readers for what a client sees.</summary>
public static class Http
{
    public static readonly object ExamplePlaybook = new
    {
        name = "Series B SaaS. New head of growth",
        mode = "outbound",
        buddyId = "prospect",
        strategy = new { hypothesis = "New growth leaders buy in their first 90 days", successMetric = "meeting_booked", successTarget = 3 },
    };

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<JsonObject> BodyAsync(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!;

    public static async Task<JsonObject> ExpectAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Asserts a problem response with its status and code, returns it for more checks.</summary>
    public static async Task<JsonObject> ExpectProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var problem = await response.ExpectAsync(status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, problem["code"]?.GetValue<string>());
        Assert.Equal((int)status, problem["status"]?.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(problem["traceId"]?.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(problem["title"]?.GetValue<string>()));
        return problem;
    }

    /// <summary>Asserts a 400 validation problem naming exactly <paramref name="fields"/>.</summary>
    public static async Task<JsonObject> ExpectValidationAsync(this HttpResponseMessage response, params string[] fields)
    {
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var errors = problem["errors"]!.AsObject();
        Assert.Equal(fields.Order(), errors.Select(e => e.Key).Order());
        foreach (var (_, messages) in errors)
        {
            Assert.NotEmpty(messages!.AsArray());
        }
        return problem;
    }

    public static async Task<JsonObject> CreatePlaybookAsync(this HttpClient client, object? body = null)
    {
        var response = await client.PostAsJsonAsync("/v1/playbooks", body ?? ExamplePlaybook);
        return (await response.ExpectAsync(HttpStatusCode.Created))["playbook"]!.AsObject();
    }

    public static string Id(this JsonNode node) => node["id"]!.GetValue<string>();

    public static string Str(this JsonNode node, string path) => Walk(node, path)!.GetValue<string>();

    public static JsonNode? Walk(this JsonNode node, string path)
    {
        JsonNode? current = node;
        foreach (var part in path.Split('.'))
        {
            current = current?[part];
        }
        return current;
    }

    public static Task<HttpResponseMessage> PutJsonAsync(this HttpClient client, string url, string json, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = Json(json) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
        return client.SendAsync(request);
    }
}
