using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Playbooks.Api.Tests.Infrastructure;

namespace Playbooks.Api.Tests.Auth;

/// <summary>
/// JWT bearer tokens from an identity provider, beside API tokens (product.md section 3), with
/// tokens these tests sign themselves with the configured key (or another one).
/// </summary>
public abstract class JwtTests(Provider provider) : IDisposable
{
    private const string Issuer = "https://idp.example.test";
    private const string Audience = "playbooks";
    private const string SigningKey = "a-signing-key-of-at-least-32-bytes-for-hs256";

    private readonly PlaybooksApp app = new(provider, settings: new Dictionary<string, string>
    {
        ["Playbooks:Jwt:SigningKey"] = SigningKey,
        ["Playbooks:Jwt:Issuer"] = Issuer,
        ["Playbooks:Jwt:Audience"] = Audience,
    });

    public void Dispose()
    {
        app.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// A signed token. Lifetimes are set against the earlier and the later of the real and the
    /// test clock, so "valid" and "expired" hold whichever clock the validation reads.
    /// </summary>
    private string Token(
        string? subject = "user_jwt", object[]? grants = null, bool expired = false, string audience = Audience, string key = SigningKey)
    {
        var now = DateTime.UtcNow;
        var test = app.Clock.GetUtcNow().UtcDateTime;
        var earliest = now < test ? now : test;
        var latest = now > test ? now : test;
        var claims = new Dictionary<string, object>();
        if (subject is not null)
        {
            claims["sub"] = subject;
        }
        if (grants is not null)
        {
            // As an identity provider puts it: a JSON array of objects.
            claims["playbooks_grants"] = JsonSerializer.SerializeToElement(grants);
        }
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = earliest.AddHours(-2),
            NotBefore = earliest.AddHours(-2),
            Expires = expired ? earliest.AddHours(-1) : latest.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });
    }

    private HttpClient Client(string token, string? workspaceId = null)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (workspaceId is not null)
        {
            client.DefaultRequestHeaders.Add("X-Workspace-Id", workspaceId);
        }
        return client;
    }

    [Fact]
    public async Task A_valid_token_works_in_its_granted_workspace_as_its_subject()
    {
        var workspaceId = await app.CreateWorkspaceAsync();
        var client = Client(Token(grants: [new { workspaceId, role = "editor" }]));

        var created = await client.CreatePlaybookAsync();

        Assert.Equal("user_jwt", created.Str("createdBy"));
        Assert.Equal(workspaceId, created.Str("workspaceId"));
        var list = await (await client.GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(created.Id(), list["playbooks"]![0]!.Id());
    }

    [Fact]
    public async Task Several_grants_need_the_workspace_header_and_honour_each_role()
    {
        var editable = await app.CreateWorkspaceAsync("Growth");
        var readable = await app.CreateWorkspaceAsync("Sales");
        var token = Token(grants: [new { workspaceId = editable, role = "editor" }, new { workspaceId = readable, role = "viewer" }]);

        await (await Client(token).GetAsync("/v1/playbooks")).ExpectProblemAsync(HttpStatusCode.BadRequest, "workspace_required");
        await Client(token, editable).CreatePlaybookAsync();
        await (await Client(token, readable).GetAsync("/v1/playbooks")).ExpectAsync(HttpStatusCode.OK);
        await (await Client(token, readable).PostAsync("/v1/playbooks", Http.Json(Endpoints.CreateBody)))
            .ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_role");
        var other = await app.CreateWorkspaceAsync("Other");
        await (await Client(token, other).GetAsync("/v1/playbooks")).ExpectProblemAsync(HttpStatusCode.Forbidden, "workspace_forbidden");
    }

    [Fact]
    public async Task A_token_without_grants_is_forbidden_everywhere()
    {
        var workspaceId = await app.CreateWorkspaceAsync();

        await (await Client(Token()).GetAsync("/v1/playbooks")).ExpectProblemAsync(HttpStatusCode.Forbidden, "workspace_forbidden");
        await (await Client(Token(), workspaceId).GetAsync("/v1/playbooks")).ExpectProblemAsync(HttpStatusCode.Forbidden, "workspace_forbidden");
    }

    [Fact]
    public async Task Grants_that_are_not_grants_are_left_out()
    {
        var workspaceId = await app.CreateWorkspaceAsync();
        var token = Token(grants: [new { workspaceId, role = "admin" }, new { workspaceId = 42, role = "editor" }, new { role = "editor" }]);

        await (await Client(token, workspaceId).GetAsync("/v1/playbooks")).ExpectProblemAsync(HttpStatusCode.Forbidden, "workspace_forbidden");
    }

    public static TheoryData<string> Refused => new() { "expired", "wrong audience", "wrong key", "no subject", "not a JWT" };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_token_that_does_not_validate_is_401_like_any_other(string flaw)
    {
        var workspaceId = await app.CreateWorkspaceAsync();
        object[] grants = [new { workspaceId, role = "editor" }];
        var token = flaw switch
        {
            "expired" => Token(grants: grants, expired: true),
            "wrong audience" => Token(grants: grants, audience: "someone-else"),
            "wrong key" => Token(grants: grants, key: "another-signing-key-of-at-least-32-bytes!"),
            "no subject" => Token(subject: null, grants: grants),
            _ => "eyJhbGciOiJub25lIn0.e30.",
        };

        var response = await Client(token).GetAsync("/v1/playbooks");

        var problem = await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("Send a valid token as Authorization: Bearer <token>.", problem.Str("detail"));
    }

    [Fact]
    public async Task API_tokens_keep_working_beside_JWTs()
    {
        var tenant = await app.NewTenantAsync();

        await tenant.Client.CreatePlaybookAsync();
    }

    [Fact]
    public async Task Without_JWT_configuration_a_valid_JWT_is_refused()
    {
        using var plain = new PlaybooksApp(provider);
        var workspaceId = await plain.CreateWorkspaceAsync();
        var client = plain.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(grants: [new { workspaceId, role = "editor" }]));

        await (await client.GetAsync("/v1/playbooks")).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public void The_grants_claim_is_a_json_array_in_the_token()
    {
        var token = new JsonWebToken(Token(grants: [new { workspaceId = "ws_x", role = "viewer" }]));

        var claim = token.Claims.Where(c => c.Type == "playbooks_grants").Select(c => JsonDocument.Parse(c.Value).RootElement.GetProperty("role").GetString());

        Assert.Equal(["viewer"], claim);
    }

    public sealed class OnSqlite() : JwtTests(Provider.Sqlite);

    public sealed class OnPostgres() : JwtTests(Provider.Postgres);
}
