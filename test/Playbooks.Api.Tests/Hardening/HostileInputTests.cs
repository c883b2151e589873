using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Hardening;

/// <summary>Input written to break things: each gets its 4xx with the right code, and nothing changes.</summary>
public abstract class HostileInputTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    private const string Valid = """{ "name": "N", "mode": "outbound", "buddyId": "prospect", "strategy": { "hypothesis": "H", "channels": ["email"] } }""";

    /// <summary>Every call that takes a body, with a valid one.</summary>
    public static TheoryData<string, string, string> BodyCalls => new()
    {
        { "POST", "/v1/playbooks", Valid },
        { "PUT", "/v1/playbooks/{id}", """{ "status": "active" }""" },
        { "PATCH", "/v1/playbooks/{id}/runs/{runId}", """{ "status": "completed" }""" },
        { "POST", "/v1/playbooks/{id}/runs/{runId}/outcomes", """{ "samples": 1, "successes": 0 }""" },
        { "POST", "/v1/playbooks/{id}/pivots", """{ "reason": "r", "strategy": { "hypothesis": "Other" } }""" },
        { "POST", "/v1/admin/workspaces", """{ "name": "W" }""" },
        { "PATCH", "/v1/admin/workspaces/{workspaceId}", """{ "name": "W" }""" },
        { "POST", "/v1/admin/tokens", """{ "subject": "s", "grants": [] }""" },
    };

    private async Task<(Tenant Tenant, Func<string, HttpContent?, HttpRequestMessage> Request)> TargetAsync()
    {
        var tenant = await app.NewTenantAsync();
        var playbook = await tenant.Client.CreatePlaybookAsync();
        var run = await (await tenant.Client.PostAsync($"/v1/playbooks/{playbook.Id()}/run", null)).ExpectAsync(HttpStatusCode.Created);
        return (tenant, (methodAndPath, content) =>
        {
            var (method, path) = (methodAndPath.Split(' ')[0], methodAndPath.Split(' ')[1]);
            var request = new HttpRequestMessage(new HttpMethod(method), path
                .Replace("{id}", playbook.Id(), StringComparison.Ordinal)
                .Replace("{runId}", run["run"]!.Id(), StringComparison.Ordinal)
                .Replace("{workspaceId}", tenant.WorkspaceId, StringComparison.Ordinal)) { Content = content };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", path.StartsWith("/v1/admin", StringComparison.Ordinal) ? PlaybooksApp.AdminKey : tenant.Token);
            return request;
        });
    }

    [Theory]
    [MemberData(nameof(BodyCalls))]
    public async Task Truncated_json_is_400_at_every_cut(string method, string path, string body)
    {
        var (tenant, request) = await TargetAsync();
        foreach (var cut in new[] { 1, body.Length / 3, body.Length / 2, body.Length - 1 })
        {
            var response = await app.CreateClient().SendAsync(request($"{method} {path}", Http.Json(body[..cut])));
            await response.ExpectValidationAsync("body");
        }
        await AssertUnchangedAsync(tenant);
    }

    [Theory]
    [MemberData(nameof(BodyCalls))]
    public async Task Wrong_content_types_are_415(string method, string path, string body)
    {
        var (_, request) = await TargetAsync();
        foreach (var type in new[] { "text/plain", "application/xml", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "nonsense" })
        {
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            content.Headers.TryAddWithoutValidation("Content-Type", type);
            await (await app.CreateClient().SendAsync(request($"{method} {path}", content))).ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        }
    }

    [Theory]
    [MemberData(nameof(BodyCalls))]
    public async Task Oversized_bodies_are_413(string method, string path, string body)
    {
        var (_, request) = await TargetAsync();
        var padded = body.TrimEnd().TrimEnd('}') + $$""", "padding": "{{new string('p', 70 * 1024)}}" }""";

        await (await app.CreateClient().SendAsync(request($"{method} {path}", Http.Json(padded)))).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Theory]
    [MemberData(nameof(BodyCalls))]
    public async Task Duplicate_keys_deep_nesting_and_invalid_utf8_are_400(string method, string path, string body)
    {
        var (_, request) = await TargetAsync();
        var duplicate = body.TrimEnd().TrimEnd('}') + """, "x": 1, "x": 2 }""";
        var deep = body.TrimEnd().TrimEnd('}') + $$""", "x": {{new string('[', 40)}}{{new string(']', 40)}} }""";
        var invalid = Encoding.UTF8.GetBytes(body).Concat(new byte[] { 0xFF, 0xFE }).ToArray();

        await (await app.CreateClient().SendAsync(request($"{method} {path}", Http.Json(duplicate)))).ExpectValidationAsync("body");
        await (await app.CreateClient().SendAsync(request($"{method} {path}", Http.Json(deep)))).ExpectValidationAsync("body");
        var bytes = new ByteArrayContent(invalid);
        bytes.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        await (await app.CreateClient().SendAsync(request($"{method} {path}", bytes))).ExpectValidationAsync("body");
    }

    /// <summary>Every string with a length limit, at the limit plus one: 400 naming the field.</summary>
    public static TheoryData<string, string, string> TooLong => new()
    {
        { "POST /v1/playbooks", $$"""{ "name": "{{new string('n', 201)}}", "mode": "outbound", "buddyId": "prospect", "strategy": { "hypothesis": "H" } }""", "name" },
        { "POST /v1/playbooks", $$"""{ "name": "N", "mode": "outbound", "buddyId": "prospect", "leadSource": { "query": "{{new string('q', 1001)}}" }, "strategy": { "hypothesis": "H" } }""", "leadSource.query" },
        { "POST /v1/playbooks", $$"""{ "name": "N", "mode": "outbound", "buddyId": "prospect", "strategy": { "hypothesis": "{{new string('h', 2001)}}" } }""", "strategy.hypothesis" },
        { "POST /v1/playbooks", $$"""{ "name": "N", "mode": "outbound", "buddyId": "prospect", "strategy": { "hypothesis": "H", "channels": ["{{new string('c', 61)}}"] } }""", "strategy.channels[0]" },
        { "POST /v1/playbooks", $$"""{ "name": "N", "mode": "outbound", "buddyId": "prospect", "strategy": { "hypothesis": "H", "channels": [{{string.Join(",", Enumerable.Repeat("\"c\"", 13))}}] } }""", "strategy.channels" },
        { "PUT /v1/playbooks/{id}", $$"""{ "name": "{{string.Concat(Enumerable.Repeat("😀", 201))}}" }""", "name" },
        { "PATCH /v1/playbooks/{id}/runs/{runId}", $$"""{ "status": "completed", "note": "{{new string('n', 2001)}}" }""", "note" },
        { "POST /v1/playbooks/{id}/pivots", $$"""{ "reason": "{{new string('r', 2001)}}", "strategy": { "hypothesis": "Other" } }""", "reason" },
        { "POST /v1/admin/workspaces", $$"""{ "name": "{{new string('w', 201)}}" }""", "name" },
        { "POST /v1/admin/tokens", $$"""{ "subject": "{{new string('s', 201)}}", "grants": [{ "workspaceId": "{workspaceId}", "role": "viewer" }] }""", "subject" },
    };

    [Theory]
    [MemberData(nameof(TooLong))]
    public async Task Strings_one_past_their_limit_are_400_naming_the_field(string call, string body, string field)
    {
        var (tenant, request) = await TargetAsync();

        var response = await app.CreateClient().SendAsync(request(call, Http.Json(body.Replace("{workspaceId}", tenant.WorkspaceId, StringComparison.Ordinal))));

        await response.ExpectValidationAsync(field);
        await AssertUnchangedAsync(tenant);
    }

    [Theory]
    [InlineData("""{ "leadSource": { "sampleSize": 1e309 } }""", "leadSource.sampleSize")]
    [InlineData("""{ "leadSource": { "sampleSize": 123456789012345678901234567890 } }""", "leadSource.sampleSize")]
    [InlineData("""{ "strategy": { "successTarget": -1e309 } }""", "strategy.successTarget")]
    [InlineData("""{ "adaptation": { "maxPivotsPerWeek": 1e-400 } }""", "adaptation.maxPivotsPerWeek")]
    [InlineData("""{ "name": "bad\u0000name" }""", "name")]
    [InlineData("""{ "name": "\ud800" }""", "name")]
    public async Task Huge_numbers_nul_and_lone_surrogates_are_400(string patch, string field)
    {
        var (tenant, request) = await TargetAsync();

        await (await app.CreateClient().SendAsync(request("PUT /v1/playbooks/{id}", Http.Json(patch)))).ExpectValidationAsync(field);

        await AssertUnchangedAsync(tenant);
    }

    [Theory]
    [InlineData("..%2F..%2Fetc%2Fpasswd")]
    [InlineData("pb_'%20OR%201=1%20--")]
    [InlineData("%F0%9F%98%80")]
    [InlineData("pb_%0D%0AX-Injected:%201")]
    [InlineData("%25%25%25")]
    public async Task Odd_ids_in_paths_are_404(string id)
    {
        var (tenant, _) = await TargetAsync();

        foreach (var path in new[] { $"/v1/playbooks/{id}", $"/v1/playbooks/{id}/runs", $"/v1/runs/{id}", $"/v1/playbooks/{id}/versions/{id}" })
        {
            var response = await tenant.Client.GetAsync(path);
            Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        var long10k = new string('a', 10_000);
        await (await tenant.Client.GetAsync($"/v1/playbooks/{long10k}")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await AssertUnchangedAsync(tenant);
    }

    [Fact]
    public async Task Hostile_headers_are_refused_or_ignored()
    {
        var (tenant, _) = await TargetAsync();

        var huge = app.CreateClient();
        huge.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + new string('x', 8000));
        await (await huge.GetAsync("/v1/playbooks")).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");

        var injected = app.ClientWithToken(tenant.Token);
        injected.DefaultRequestHeaders.TryAddWithoutValidation("X-Workspace-Id", $"{tenant.WorkspaceId}' OR '1'='1");
        await (await injected.GetAsync("/v1/playbooks")).ExpectProblemAsync(HttpStatusCode.Forbidden, "workspace_forbidden");

        var ifMatch = new HttpRequestMessage(HttpMethod.Put, $"/v1/playbooks/{(await tenant.Client.CreatePlaybookAsync()).Id()}") { Content = Http.Json("""{ "name": "x" }""") };
        ifMatch.Headers.TryAddWithoutValidation("If-Match", "\"1\"; DROP TABLE playbooks; --");
        await (await tenant.Client.SendAsync(ifMatch)).ExpectProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed");

        await (await tenant.Client.GetAsync("/v1/playbooks?status=active'%20OR%20'1'='1")).ExpectValidationAsync("status");
        await (await tenant.Client.GetAsync($"/v1/playbooks?cursor={new string('A', 5000)}")).ExpectValidationAsync("cursor");
        await (await tenant.Client.GetAsync("/v1/playbooks?limit=99999999999999999999")).ExpectValidationAsync("limit");
    }

    private static async Task AssertUnchangedAsync(Tenant tenant)
    {
        var list = await (await tenant.Client.GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
        var playbook = list["playbooks"]!.AsArray().Single()!;
        Assert.Equal(1, playbook["version"]!.GetValue<int>());
        var runs = await (await tenant.Client.GetAsync($"/v1/playbooks/{playbook.Id()}/runs")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("running", runs["runs"]!.AsArray().Single()!.Str("status"));
    }

    public sealed class OnSqlite() : HostileInputTests(Provider.Sqlite);

    public sealed class OnPostgres() : HostileInputTests(Provider.Postgres);
}
