using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Playbooks.Api.Data;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Errors;

/// <summary>The error codes of product.md section 2 with their statuses, and the order the checks run in.</summary>
public abstract class ErrorTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task A_body_over_64_KiB_is_413()
    {
        var tenant = await app.NewTenantAsync();
        var json = $$"""{ "name": "N", "mode": "outbound", "buddyId": "prospect", "strategy": { "hypothesis": "H" }, "pad": "{{new string('x', 64 * 1024)}}" }""";

        await (await tenant.Client.PostAsync("/v1/playbooks", Http.Json(json))).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task A_body_of_exactly_64_KiB_is_read()
    {
        var tenant = await app.NewTenantAsync();
        var head = """{ "name": "N", "mode": "outbound", "buddyId": "prospect", "strategy": { "hypothesis": "H" }, "pad": """ + "\"";
        var json = head + new string('x', 64 * 1024 - head.Length - 2) + "\"}";
        Assert.Equal(64 * 1024, Encoding.UTF8.GetByteCount(json));

        await (await tenant.Client.PostAsync("/v1/playbooks", Http.Json(json))).ExpectAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_413()
    {
        var tenant = await app.NewTenantAsync();
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(new string(' ', 70_000) + "{}")));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/playbooks") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        await (await tenant.Client.SendAsync(request)).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/xml")]
    [InlineData("application/json; charset=latin1")]
    public async Task A_body_not_sent_as_json_is_415(string contentType)
    {
        var tenant = await app.NewTenantAsync();
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Endpoints.CreateBody));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        await (await tenant.Client.PostAsync("/v1/playbooks", content)).ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task A_body_without_a_content_type_is_415()
    {
        var tenant = await app.NewTenantAsync();
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Endpoints.CreateBody));

        await (await tenant.Client.PostAsync("/v1/playbooks", content)).ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/merge-patch+json")]
    [InlineData("Application/JSON")]
    public async Task Json_media_types_are_accepted(string contentType)
    {
        var tenant = await app.NewTenantAsync();
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Endpoints.CreateBody));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        await (await tenant.Client.PostAsync("/v1/playbooks", content)).ExpectAsync(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{\"name\": }")]
    [InlineData("{\"name\": \"N\",}")]
    [InlineData("{'name': 'N'}")]
    [InlineData("[]")]
    [InlineData("\"a string\"")]
    [InlineData("42")]
    [InlineData("null")]
    [InlineData("")]
    [InlineData("{\"name\":\"a\",\"name\":\"b\"}")]
    [InlineData("{} {}")]
    public async Task A_body_that_is_not_one_json_object_is_400(string body)
    {
        var tenant = await app.NewTenantAsync();

        var response = await tenant.Client.PostAsync("/v1/playbooks", Http.Json(body));

        await response.ExpectValidationAsync("body");
    }

    [Fact]
    public async Task Nesting_deeper_than_the_limit_is_400()
    {
        var tenant = await app.NewTenantAsync();
        var deep = new string('[', 200) + new string(']', 200);

        var response = await tenant.Client.PostAsync("/v1/playbooks", Http.Json($$"""{ "name": {{deep}} }"""));

        await response.ExpectValidationAsync("body");
    }

    [Fact]
    public async Task Invalid_utf8_is_400()
    {
        var tenant = await app.NewTenantAsync();
        var bytes = Encoding.UTF8.GetBytes("{\"name\":\"N\xFF\"}").ToList();
        bytes.InsertRange(9, new byte[] { 0xC3, 0x28 });
        var content = new ByteArrayContent(bytes.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        await (await tenant.Client.PostAsync("/v1/playbooks", content)).ExpectValidationAsync("body");
    }

    [Fact]
    public async Task Unknown_routes_and_methods_answer_as_problems()
    {
        var tenant = await app.NewTenantAsync();

        await (await tenant.Client.GetAsync("/v1/nothing-here")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await tenant.Client.PatchAsync("/v1/playbooks", Http.Json("{}"))).ExpectProblemAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }

    [Fact]
    public async Task A_failure_of_the_server_is_a_problem_that_still_says_nosniff()
    {
        // The exception handler clears the headers before it writes the problem: the header is set again.
        var tenant = await app.NewTenantAsync();
        var id = (await tenant.Client.CreatePlaybookAsync()).Id();
        await app.Services.GetRequiredService<Database>().WriteAsync(
            (connection, transaction) => connection.ExecuteAsync("DROP TABLE pivots", transaction: transaction), CancellationToken.None);

        // A 500 is outside the contract by definition, so this one exchange goes unchecked by it.
        using var raw = app.CreateDefaultClient();
        raw.DefaultRequestHeaders.Authorization = tenant.Client.DefaultRequestHeaders.Authorization;
        var answer = await raw.GetAsync($"/v1/playbooks/{id}/pivots");
        await answer.ExpectProblemAsync(HttpStatusCode.InternalServerError, "internal_error");
        Assert.Equal("nosniff", answer.Headers.GetValues("X-Content-Type-Options").Single());

        // A client that accepts no JSON gets no problem body: the header is there all the same.
        using var plain = new HttpRequestMessage(HttpMethod.Get, $"/v1/playbooks/{id}/pivots");
        plain.Headers.Accept.ParseAdd("text/plain");
        var bare = await raw.SendAsync(plain);
        Assert.Equal(HttpStatusCode.InternalServerError, bare.StatusCode);
        Assert.Equal("nosniff", bare.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Theory]
    [InlineData("limit", "0")]
    [InlineData("limit", "1001")]
    [InlineData("limit", "ten")]
    [InlineData("limit", "-1")]
    [InlineData("cursor", "garbage")]
    [InlineData("status", "foo")]
    [InlineData("mode", "sideways")]
    [InlineData("buddyId", "nobody")]
    public async Task A_bad_query_is_400_naming_the_parameter(string parameter, string value)
    {
        var tenant = await app.NewTenantAsync();

        var response = await tenant.Client.GetAsync($"/v1/playbooks?{parameter}={Uri.EscapeDataString(value)}");

        await response.ExpectValidationAsync(parameter);
    }

    // The order: authentication (401), workspace context (400/403), mutation permission (403),
    // resource existence (404), body validation (400), state (409/412).

    [Fact]
    public async Task Authentication_comes_before_workspace_context()
    {
        var other = await app.CreateWorkspaceAsync();
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Workspace-Id", other);

        await (await client.PostAsync("/v1/playbooks", new StringContent("nope"))).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Workspace_context_comes_before_mutation_permission()
    {
        var readOnly = await app.CreateWorkspaceAsync("Locked", readOnly: true);
        var another = await app.CreateWorkspaceAsync("Another", readOnly: true);
        var (_, secret) = await app.CreateTokenAsync("s", (readOnly, "viewer"), (another, "viewer"));

        await (await app.ClientWithToken(secret).PostAsync("/v1/playbooks", Http.Json("{}"))).ExpectProblemAsync(HttpStatusCode.BadRequest, "workspace_required");
        var stranger = await app.CreateWorkspaceAsync("Stranger");
        await (await app.ClientWithToken(secret, stranger).PostAsync("/v1/playbooks", Http.Json("{}"))).ExpectProblemAsync(HttpStatusCode.Forbidden, "workspace_forbidden");
    }

    [Fact]
    public async Task Mutation_permission_comes_before_existence()
    {
        var tenant = await app.NewTenantAsync(readOnly: true);
        var (_, viewer) = await app.CreateTokenAsync("v", (await app.CreateWorkspaceAsync(), "viewer"));

        await (await tenant.Client.PostAsync("/v1/playbooks/pb_01JD0000000000000000000000/run", null)).ExpectProblemAsync(HttpStatusCode.Forbidden, "read_only_workspace");
        await (await tenant.Client.DeleteAsync("/v1/playbooks/pb_01JD0000000000000000000000")).ExpectProblemAsync(HttpStatusCode.Forbidden, "read_only_workspace");
        await (await app.ClientWithToken(viewer).PutJsonAsync("/v1/playbooks/pb_01JD0000000000000000000000", "{")).ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_role");
    }

    [Fact]
    public async Task Existence_comes_before_body_validation()
    {
        var tenant = await app.NewTenantAsync();

        await (await tenant.Client.PutJsonAsync("/v1/playbooks/pb_01JD0000000000000000000000", """{ "name": 5 }""")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await tenant.Client.PutAsync("/v1/playbooks/pb_01JD0000000000000000000000", new StringContent("x"))).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await tenant.Client.PutJsonAsync("/v1/playbooks/pb_01JD0000000000000000000000", "{")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Body_validation_comes_before_the_precondition()
    {
        var tenant = await app.NewTenantAsync();
        var playbook = await tenant.Client.CreatePlaybookAsync();

        await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{playbook.Id()}", """{ "name": 5 }""", ifMatch: "\"7\"")).ExpectValidationAsync("name");
        await (await tenant.Client.PutJsonAsync($"/v1/playbooks/{playbook.Id()}", """{ "name": "ok" }""", ifMatch: "\"7\"")).ExpectProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed");
    }

    [Fact]
    public async Task Problems_have_the_rfc9457_shape()
    {
        var tenant = await app.NewTenantAsync();

        var response = await tenant.Client.PostAsJsonAsync("/v1/playbooks", new { name = 1 });

        var problem = await response.ExpectValidationAsync("name", "mode", "buddyId", "strategy.hypothesis");
        Assert.False(string.IsNullOrEmpty(problem["type"]?.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(problem["detail"]?.GetValue<string>()));
        Assert.Equal(["must be a string"], problem["errors"]!["name"]!.AsArray().Select(m => m!.GetValue<string>()));
    }

    public sealed class OnSqlite() : ErrorTests(Provider.Sqlite);

    public sealed class OnPostgres() : ErrorTests(Provider.Postgres);
}
