using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Auth;

/// <summary>GET /v1/admin/tokens: what was issued, to whom, where and until when; never a secret or its hash.</summary>
public abstract class TokenListTests(Provider provider) : IDisposable
{
    private readonly PlaybooksApp app = new(provider);

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task The_list_shows_issued_tokens_with_their_grants_expiry_and_revocation_but_never_a_secret_or_hash()
    {
        var growth = await app.CreateWorkspaceAsync("Growth");
        var sales = await app.CreateWorkspaceAsync("Sales");
        var admin = app.AdminClient();
        var first = await (await admin.PostAsJsonAsync("/v1/admin/tokens", new
        {
            subject = "user_42",
            grants = new[] { new { workspaceId = growth, role = "editor" }, new { workspaceId = sales, role = "viewer" } },
            expiresAt = "2027-01-01T00:00:00Z",
        })).ExpectAsync(HttpStatusCode.Created);
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var (secondId, secondSecret) = await app.CreateTokenAsync("ci-bot", (sales, "viewer"));
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await (await admin.DeleteAsync($"/v1/admin/tokens/{secondId}")).ExpectAsync(HttpStatusCode.OK);

        var response = await admin.GetAsync("/v1/admin/tokens");

        var raw = await response.Content.ReadAsStringAsync();
        var body = await response.ExpectAsync(HttpStatusCode.OK);
        var tokens = body["tokens"]!.AsArray();
        Assert.Equal([first["token"]!.Id(), secondId], tokens.Select(t => t!.Id()));
        Assert.Null(body["nextCursor"]);

        var listedFirst = tokens[0]!;
        Assert.Equal("user_42", listedFirst.Str("subject"));
        Assert.Equal($$"""[{"workspaceId":"{{growth}}","role":"editor"},{"workspaceId":"{{sales}}","role":"viewer"}]""", listedFirst["grants"]!.ToJsonString());
        Assert.Equal("2026-11-28T09:00:00.000Z", listedFirst.Str("createdAt"));
        Assert.Equal("2027-01-01T00:00:00.000Z", listedFirst.Str("expiresAt"));
        Assert.Null(listedFirst["revokedAt"]);

        var listedSecond = tokens[1]!;
        Assert.Equal("ci-bot", listedSecond.Str("subject"));
        Assert.Equal($$"""[{"workspaceId":"{{sales}}","role":"viewer"}]""", listedSecond["grants"]!.ToJsonString());
        Assert.Null(listedSecond["expiresAt"]);
        Assert.Equal("2026-11-28T09:02:00.000Z", listedSecond.Str("revokedAt"));

        foreach (var secret in new[] { first.Str("secret"), secondSecret })
        {
            Assert.DoesNotContain(secret, raw, StringComparison.Ordinal);
            Assert.DoesNotContain(secret[^43..], raw, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("hash", raw, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secret", raw, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_list_pages_with_limit_and_cursor()
    {
        var workspace = await app.CreateWorkspaceAsync();
        var issued = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            issued.Add((await app.CreateTokenAsync($"user_{i}", (workspace, "viewer"))).Id);
        }
        var admin = app.AdminClient();

        var listed = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await (await admin.GetAsync("/v1/admin/tokens?limit=2" + (cursor is null ? "" : $"&cursor={cursor}"))).ExpectAsync(HttpStatusCode.OK);
            var items = page["tokens"]!.AsArray();
            Assert.InRange(items.Count, 1, 2);
            listed.AddRange(items.Select(t => t!.Id()));
            cursor = page["nextCursor"]?.GetValue<string>();
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(issued, listed);
        await (await admin.GetAsync("/v1/admin/tokens?limit=0&cursor=not-a-cursor")).ExpectValidationAsync("limit", "cursor");
    }

    [Fact]
    public async Task A_workspace_token_cannot_list_tokens()
    {
        var tenant = await app.NewTenantAsync();

        var response = await tenant.Client.GetAsync("/v1/admin/tokens");

        var problem = await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.DoesNotContain(tenant.TokenId, problem.ToJsonString(), StringComparison.Ordinal);
    }

    public sealed class OnSqlite() : TokenListTests(Provider.Sqlite);

    public sealed class OnPostgres() : TokenListTests(Provider.Postgres);
}
