namespace Playbooks.Api.Tests.Infrastructure;

/// <summary>Every workspace endpoint, so that the security and isolation checks can walk them all.</summary>
public static class Endpoints
{
    public sealed record Call(string Method, string Path, string? Body)
    {
        public bool Mutates => Method != "GET";

        public bool NamesAResource => Path.Contains('{', StringComparison.Ordinal);

        public HttpRequestMessage Request(string playbookId, string runId = "run_01JD0000000000000000000000")
        {
            var path = Path.Replace("{id}", playbookId, StringComparison.Ordinal).Replace("{runId}", runId, StringComparison.Ordinal);
            var request = new HttpRequestMessage(new HttpMethod(Method), path);
            if (Body is not null)
            {
                request.Content = Http.Json(Body);
            }
            return request;
        }

        public override string ToString() => $"{Method} {Path}";
    }

    public const string CreateBody = """{ "name": "N", "mode": "outbound", "buddyId": "prospect", "strategy": { "hypothesis": "H" } }""";

    public static readonly Call[] All =
    [
        new("GET", "/v1/playbooks", null),
        new("POST", "/v1/playbooks", CreateBody),
        new("GET", "/v1/playbooks/{id}", null),
        new("PUT", "/v1/playbooks/{id}", """{ "status": "active" }"""),
        new("DELETE", "/v1/playbooks/{id}", null),
        new("POST", "/v1/playbooks/{id}/run", null),
        new("GET", "/v1/playbooks/{id}/runs", null),
        new("GET", "/v1/playbooks/{id}/runs/{runId}", null),
        new("PATCH", "/v1/playbooks/{id}/runs/{runId}", """{ "status": "completed" }"""),
        new("POST", "/v1/playbooks/{id}/runs/{runId}/outcomes", """{ "samples": 1, "successes": 0 }"""),
        new("GET", "/v1/runs/{runId}", null),
        new("GET", "/v1/playbooks/{id}/versions", null),
        new("GET", "/v1/playbooks/{id}/versions/1", null),
        new("GET", "/v1/playbooks/{id}/stats", null),
        new("GET", "/v1/playbooks/{id}/adaptation", null),
        new("POST", "/v1/playbooks/{id}/pivots", """{ "reason": "r", "strategy": { "hypothesis": "Another" } }"""),
        new("GET", "/v1/playbooks/{id}/pivots", null),
    ];

    public static TheoryData<string> Names(bool? mutating = null)
    {
        var data = new TheoryData<string>();
        foreach (var call in All.Where(c => mutating is null || c.Mutates == mutating))
        {
            data.Add(call.ToString());
        }
        return data;
    }

    public static Call Named(string name) => All.Single(c => c.ToString() == name);
}
