using System.Net;
using System.Net.Http.Json;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Auth;

public abstract class AuthenticationTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    public static TheoryData<string> AllEndpoints => Endpoints.Names();
    public static TheoryData<string> MutatingEndpoints => Endpoints.Names(mutating: true);
    public static TheoryData<string> ReadingEndpoints => Endpoints.Names(mutating: false);

    private async Task<HttpResponseMessage> SendAsync(HttpClient client, string endpoint, (string PlaybookId, string RunId) target) =>
        await client.SendAsync(Endpoints.Named(endpoint).Request(target.PlaybookId, target.RunId));

    /// <summary>A playbook with a running run: something for every endpoint to act on.</summary>
    private static async Task<(string PlaybookId, string RunId)> TargetAsync(Tenant tenant)
    {
        var playbook = await tenant.Client.CreatePlaybookAsync();
        var run = await (await tenant.Client.PostAsync($"/v1/playbooks/{playbook.Id()}/run", null)).ExpectAsync(HttpStatusCode.Created);
        return (playbook.Id(), run["run"]!.Id());
    }

    [Theory]
    [MemberData(nameof(AllEndpoints))]
    public async Task No_token_is_401_with_a_bearer_challenge(string endpoint)
    {
        var tenant = await app.NewTenantAsync();
        var target = await TargetAsync(tenant);

        var response = await SendAsync(app.CreateClient(), endpoint, target);

        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer not-a-token")]
    [InlineData("Bearer pbt_01JD0000000000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("Bearer pbt_ZZZZZZZZZZZZZZZZZZZZZZZZZZ_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Malformed_or_unknown_tokens_are_401(string authorization)
    {
        await app.NewTenantAsync();
        var client = app.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);

        var response = await client.GetAsync("/v1/playbooks");

        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task A_token_with_the_right_id_and_a_wrong_secret_is_401()
    {
        var tenant = await app.NewTenantAsync();
        var forged = tenant.Token[..^4] + (tenant.Token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");

        var response = await app.ClientWithToken(forged).GetAsync("/v1/playbooks");

        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Theory]
    [MemberData(nameof(AllEndpoints))]
    public async Task A_revoked_token_is_401_at_once(string endpoint)
    {
        var tenant = await app.NewTenantAsync();
        var target = await TargetAsync(tenant);

        await (await app.AdminClient().DeleteAsync($"/v1/admin/tokens/{tenant.TokenId}")).ExpectAsync(HttpStatusCode.OK);

        await (await SendAsync(tenant.Client, endpoint, target)).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task An_expired_token_is_401()
    {
        var workspaceId = await app.CreateWorkspaceAsync();
        var response = await app.AdminClient().PostAsJsonAsync("/v1/admin/tokens", new
        {
            subject = "temp",
            grants = new[] { new { workspaceId, role = "editor" } },
            expiresAt = "2026-11-28T10:00:00.000Z",
        });
        var issued = await response.ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("2026-11-28T10:00:00.000Z", issued["token"]!.Str("expiresAt"));
        var client = app.ClientWithToken(issued.Str("secret"));
        await (await client.GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);

        app.Clock.Advance(TimeSpan.FromHours(1));

        await (await client.GetAsync("/v1/playbooks")).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Every_failed_authentication_gives_the_same_answer_whichever_check_failed()
    {
        var workspaceId = await app.CreateWorkspaceAsync();
        var (revokedId, revoked) = await app.CreateTokenAsync("gone", (workspaceId, "editor"));
        await (await app.AdminClient().DeleteAsync($"/v1/admin/tokens/{revokedId}")).ExpectAsync(HttpStatusCode.OK);
        var expiring = await (await app.AdminClient().PostAsJsonAsync("/v1/admin/tokens", new
        {
            subject = "temp",
            grants = new[] { new { workspaceId, role = "editor" } },
            expiresAt = "2026-11-28T10:00:00.000Z",
        })).ExpectAsync(HttpStatusCode.Created);
        app.Clock.Advance(TimeSpan.FromHours(2));

        var answers = new List<(string Case, string? Challenge, string Body)>();
        foreach (var (name, authorization) in new (string, string?)[]
        {
            ("missing", null),
            ("malformed", "Bearer"),
            ("not bearer", "Basic dXNlcjpwYXNz"),
            ("garbage", "Bearer not-a-token"),
            ("unknown", "Bearer pbt_01JD0000000000000000000000_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"),
            ("revoked", $"Bearer {revoked}"),
            ("expired", $"Bearer {expiring.Str("secret")}"),
        })
        {
            using var client = app.CreateClient();
            if (authorization is not null)
            {
                client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
            }
            using var response = await client.GetAsync("/v1/playbooks");
            var problem = await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
            problem.Remove("traceId");
            answers.Add((name, string.Join(", ", response.Headers.WwwAuthenticate), problem.ToJsonString()));
        }
        Assert.All(answers, a => Assert.Equal((answers[0].Challenge, answers[0].Body), (a.Challenge, a.Body)));
        Assert.Equal("Bearer", answers[0].Challenge);
    }

    [Fact]
    public async Task A_token_for_several_workspaces_needs_the_workspace_header()
    {
        var first = await app.CreateWorkspaceAsync("First");
        var second = await app.CreateWorkspaceAsync("Second");
        var (_, secret) = await app.CreateTokenAsync("multi", (first, "editor"), (second, "viewer"));

        await (await app.ClientWithToken(secret).GetAsync("/v1/playbooks")).ExpectProblemAsync(HttpStatusCode.BadRequest, "workspace_required");

        var inFirst = app.ClientWithToken(secret, first);
        var created = await inFirst.CreatePlaybookAsync();
        Assert.Equal(first, created.Str("workspaceId"));

        var inSecond = app.ClientWithToken(secret, second);
        await (await inSecond.GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
        await (await inSecond.PostAsync("/v1/playbooks", Http.Json(Endpoints.CreateBody))).ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_role");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Naming_a_workspace_without_a_grant_is_403_whether_it_exists_or_not(bool exists)
    {
        var tenant = await app.NewTenantAsync();
        var other = exists ? await app.CreateWorkspaceAsync("Other") : "ws_01JD0000000000000000000000";

        var response = await app.ClientWithToken(tenant.Token, other).GetAsync("/v1/playbooks");

        await response.ExpectProblemAsync(HttpStatusCode.Forbidden, "workspace_forbidden");
    }

    [Theory]
    [MemberData(nameof(MutatingEndpoints))]
    public async Task A_read_only_workspace_refuses_every_mutating_call(string endpoint)
    {
        var tenant = await app.NewTenantAsync();
        var target = await TargetAsync(tenant);
        var before = await (await tenant.Client.GetAsync($"/v1/playbooks/{target.PlaybookId}")).ExpectAsync(HttpStatusCode.OK);
        await (await app.AdminClient().PatchAsJsonAsync($"/v1/admin/workspaces/{tenant.WorkspaceId}", new { readOnly = true })).ExpectAsync(HttpStatusCode.OK);

        await (await SendAsync(tenant.Client, endpoint, target)).ExpectProblemAsync(HttpStatusCode.Forbidden, "read_only_workspace");

        var unchanged = await (await tenant.Client.GetAsync($"/v1/playbooks/{target.PlaybookId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(before.ToJsonString(), unchanged.ToJsonString());
        var run = await (await tenant.Client.GetAsync($"/v1/runs/{target.RunId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(("running", 0), (run["run"]!.Str("status"), run["run"]!["metrics"]!["samples"]!.GetValue<int>()));
    }

    [Theory]
    [MemberData(nameof(ReadingEndpoints))]
    public async Task A_read_only_workspace_and_a_viewer_keep_reading(string endpoint)
    {
        var tenant = await app.NewTenantAsync();
        var target = await TargetAsync(tenant);
        var (_, viewer) = await app.CreateTokenAsync("viewer", (tenant.WorkspaceId, "viewer"));
        await (await app.AdminClient().PatchAsJsonAsync($"/v1/admin/workspaces/{tenant.WorkspaceId}", new { readOnly = true })).ExpectAsync(HttpStatusCode.OK);

        await (await SendAsync(tenant.Client, endpoint, target)).ExpectAsync(HttpStatusCode.OK);
        await (await SendAsync(app.ClientWithToken(viewer), endpoint, target)).ExpectAsync(HttpStatusCode.OK);
    }

    [Theory]
    [MemberData(nameof(MutatingEndpoints))]
    public async Task A_viewer_grant_refuses_every_mutating_call(string endpoint)
    {
        var tenant = await app.NewTenantAsync();
        var target = await TargetAsync(tenant);
        var (_, viewer) = await app.CreateTokenAsync("viewer", (tenant.WorkspaceId, "viewer"));

        await (await SendAsync(app.ClientWithToken(viewer), endpoint, target)).ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_role");
    }

    [Fact]
    public async Task A_read_only_workspace_can_be_made_writable_again()
    {
        var tenant = await app.NewTenantAsync(readOnly: true);
        await (await tenant.Client.PostAsync("/v1/playbooks", Http.Json(Endpoints.CreateBody))).ExpectProblemAsync(HttpStatusCode.Forbidden, "read_only_workspace");

        await (await app.AdminClient().PatchAsJsonAsync($"/v1/admin/workspaces/{tenant.WorkspaceId}", new { readOnly = false })).ExpectAsync(HttpStatusCode.OK);

        await tenant.Client.CreatePlaybookAsync();
    }

    public sealed class OnSqlite() : AuthenticationTests(Provider.Sqlite);

    public sealed class OnPostgres() : AuthenticationTests(Provider.Postgres);
}
