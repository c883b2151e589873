using System.Net;
using System.Net.Http.Json;
using System.Text;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Auth;

public abstract class AdminApiTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Workspaces_are_created_listed_and_patched()
    {
        var admin = app.AdminClient();

        var created = await (await admin.PostAsJsonAsync("/v1/admin/workspaces", new { name = "  Growth  " })).ExpectAsync(HttpStatusCode.Created);
        var workspace = created["workspace"]!;
        Assert.StartsWith("ws_", workspace.Id());
        Assert.Equal("Growth", workspace.Str("name"));
        Assert.False(workspace["readOnly"]!.GetValue<bool>());
        Assert.Equal("2026-11-28T09:00:00.000Z", workspace.Str("createdAt"));

        var patched = await (await admin.PatchAsJsonAsync($"/v1/admin/workspaces/{workspace.Id()}", new { readOnly = true })).ExpectAsync(HttpStatusCode.OK);
        Assert.True(patched["workspace"]!["readOnly"]!.GetValue<bool>());
        Assert.Equal("Growth", patched["workspace"]!.Str("name"));

        var renamed = await (await admin.PatchAsJsonAsync($"/v1/admin/workspaces/{workspace.Id()}", new { name = "Sales" })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Sales", renamed["workspace"]!.Str("name"));
        Assert.True(renamed["workspace"]!["readOnly"]!.GetValue<bool>());

        var list = await (await admin.GetAsync("/v1/admin/workspaces")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(renamed["workspace"]!.ToJsonString(), list["workspaces"]!.AsArray().Single()!.ToJsonString());
    }

    [Fact]
    public async Task Workspace_bodies_are_validated()
    {
        var admin = app.AdminClient();
        await (await admin.PostAsJsonAsync("/v1/admin/workspaces", new { readOnly = "yes" })).ExpectValidationAsync("name", "readOnly");
        await (await admin.PatchAsJsonAsync("/v1/admin/workspaces/ws_01JD0000000000000000000000", new { name = "X" })).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        var id = await app.CreateWorkspaceAsync();
        await (await admin.PatchAsJsonAsync($"/v1/admin/workspaces/{id}", new { name = (string?)null })).ExpectValidationAsync("name");
    }

    [Fact]
    public async Task A_token_is_issued_with_its_secret_once_and_only_its_hash_is_stored()
    {
        var workspaceId = await app.CreateWorkspaceAsync();

        var response = await app.AdminClient().PostAsJsonAsync("/v1/admin/tokens", new { subject = "user_42", grants = new[] { new { workspaceId, role = "editor" } } });

        var body = await response.ExpectAsync(HttpStatusCode.Created);
        var token = body["token"]!;
        var secret = body.Str("secret");
        Assert.StartsWith("tok_", token.Id());
        Assert.Equal("user_42", token.Str("subject"));
        Assert.Equal($$"""[{"workspaceId":"{{workspaceId}}","role":"editor"}]""", token["grants"]!.ToJsonString());
        Assert.Null(token["expiresAt"]);
        Assert.DoesNotContain(secret, token.ToJsonString(), StringComparison.Ordinal);

        var stored = await app.StoredTextAsync();
        Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
        Assert.DoesNotContain(secret[^43..], stored, StringComparison.Ordinal);
        await (await app.ClientWithToken(secret).GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Token_bodies_are_validated_with_every_field_at_fault()
    {
        var workspaceId = await app.CreateWorkspaceAsync();
        var admin = app.AdminClient();

        await (await admin.PostAsync("/v1/admin/tokens", Http.Json("{}"))).ExpectValidationAsync("subject", "grants");
        await (await admin.PostAsync("/v1/admin/tokens", Http.Json("""{ "subject": "s", "grants": [] }"""))).ExpectValidationAsync("grants");
        await (await admin.PostAsync("/v1/admin/tokens", Http.Json(
            $$"""{ "subject": "s", "grants": [{ "workspaceId": "{{workspaceId}}", "role": "owner" }, 5, { "role": "viewer" }], "expiresAt": "yesterday" }""")))
            .ExpectValidationAsync("grants[0].role", "grants[1]", "grants[2].workspaceId", "expiresAt");
        await (await admin.PostAsync("/v1/admin/tokens", Http.Json(
            """{ "subject": "s", "grants": [{ "workspaceId": "ws_01JD0000000000000000000000", "role": "viewer" }], "expiresAt": "2020-01-01T00:00:00Z" }""")))
            .ExpectValidationAsync("expiresAt");
        await (await admin.PostAsync("/v1/admin/tokens", Http.Json(
            """{ "subject": "s", "grants": [{ "workspaceId": "ws_01JD0000000000000000000000", "role": "viewer" }] }""")))
            .ExpectValidationAsync("grants[0].workspaceId");
    }

    [Fact]
    public async Task Revoking_an_unknown_or_revoked_token_is_404()
    {
        var tenant = await app.NewTenantAsync();
        var admin = app.AdminClient();

        await (await admin.DeleteAsync($"/v1/admin/tokens/{tenant.TokenId}")).ExpectAsync(HttpStatusCode.OK);
        await (await admin.DeleteAsync($"/v1/admin/tokens/{tenant.TokenId}")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await admin.DeleteAsync("/v1/admin/tokens/tok_nope")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    public static TheoryData<string, string> AdminCalls => new()
    {
        { "POST", "/v1/admin/workspaces" },
        { "GET", "/v1/admin/workspaces" },
        { "PATCH", "/v1/admin/workspaces/ws_01JD0000000000000000000000" },
        { "POST", "/v1/admin/tokens" },
        { "GET", "/v1/admin/tokens" },
        { "DELETE", "/v1/admin/tokens/tok_01JD0000000000000000000000" },
    };

    [Theory]
    [MemberData(nameof(AdminCalls))]
    public async Task The_admin_api_refuses_a_missing_or_wrong_key(string method, string path)
    {
        foreach (var authorization in new string?[] { null, "Bearer wrong-key", $"Bearer {PlaybooksApp.AdminKey}x", "Basic " + PlaybooksApp.AdminKey })
        {
            var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = Http.Json("""{ "name": "x" }""") };
            if (authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }
            var response = await app.CreateClient().SendAsync(request);
            await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        }
    }

    [Theory]
    [InlineData("1/2/2030")]
    [InlineData("2030-01-01")]
    [InlineData("2030-01-01T00:00:00")]
    [InlineData("2030-01-01 00:00:00Z")]
    [InlineData("Tue, 01 Jan 2030 00:00:00 GMT")]
    [InlineData("２０３０-01-01T00:00:00Z")]
    public async Task ExpiresAt_takes_only_an_iso_8601_date_time_with_its_offset(string expiresAt)
    {
        var workspaceId = await app.CreateWorkspaceAsync();
        var response = await app.AdminClient().PostAsJsonAsync("/v1/admin/tokens", new { subject = "s", grants = new[] { new { workspaceId, role = "viewer" } }, expiresAt });
        await response.ExpectValidationAsync("expiresAt");
    }

    [Fact]
    public async Task A_new_token_is_never_cached_and_an_offset_expiry_is_kept_in_utc()
    {
        var workspaceId = await app.CreateWorkspaceAsync();
        var response = await app.AdminClient().PostAsJsonAsync("/v1/admin/tokens", new
        {
            subject = "s",
            grants = new[] { new { workspaceId, role = "viewer" } },
            expiresAt = "2030-01-01T02:00:00+02:00",
        });
        var issued = await response.ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());
        Assert.Equal("2030-01-01T00:00:00.000Z", issued["token"]!.Str("expiresAt"));
    }

    [Fact]
    public async Task Repeated_wrong_admin_keys_from_one_address_are_429_even_for_the_right_key()
    {
        var tenant = await app.NewTenantAsync();
        using var client = app.CreateClient();
        async Task<HttpResponseMessage> ListAsync(string key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/admin/workspaces");
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {key}");
            return await client.SendAsync(request);
        }

        await (await ListAsync(PlaybooksApp.AdminKey)).ExpectAsync(HttpStatusCode.OK);
        for (var guess = 0; guess < 10; guess++)
        {
            await (await ListAsync($"guess-{guess}")).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        }
        var refused = await ListAsync("guess-10");
        Assert.Equal("6", refused.Headers.GetValues("Retry-After").Single());
        await refused.ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        // Until the bucket refills, the right key waits too: guessing gains nothing.
        await (await ListAsync(PlaybooksApp.AdminKey)).ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        // Workspace tokens are not admin authentications.
        await (await tenant.Client.GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
    }

    [Theory]
    [MemberData(nameof(AdminCalls))]
    public async Task Without_a_configured_key_the_admin_api_is_404(string method, string path)
    {
        using var keyless = new PlaybooksApp(provider, withAdminKey: false);
        var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = Http.Json("""{ "name": "x" }""") };
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer ");

        var response = await keyless.CreateClient().SendAsync(request);

        await response.ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_workspace_token_is_not_an_admin_key()
    {
        var tenant = await app.NewTenantAsync();

        var response = await tenant.Client.GetAsync("/v1/admin/workspaces");

        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task The_admin_key_is_not_a_workspace_token()
    {
        await app.NewTenantAsync();

        var response = await app.AdminClient().GetAsync("/v1/playbooks");

        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    public sealed class OnSqlite() : AdminApiTests(Provider.Sqlite);

    public sealed class OnPostgres() : AdminApiTests(Provider.Postgres);
}
