using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Playbooks.Api.Data;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Infrastructure.OpenApi;
using Playbooks.Api.Workspaces;

namespace Playbooks.Api.Auth;

public static class TokensAdminApi
{
    public const int SubjectMax = 200;
    public const int GrantsMax = 100;

    public static RouteGroupBuilder MapTokensAdmin(this RouteGroupBuilder admin)
    {
        admin.MapPost("/tokens", Create).WithName("CreateToken")
            .WithJsonBody<CreateTokenRequest>().ProducesProblems(413, 415)
            .WithSummary("Issue a token")
            .WithDescription("Issues a token for a subject with grants to workspaces. The answer is the only time the secret is shown; only its hash is stored.");
        admin.MapGet("/tokens", List).WithName("ListTokens")
            .WithSummary("List tokens")
            .WithDescription("Every token issued, oldest first, revoked and expired ones included (with `revokedAt`, `expiresAt`). Never a secret or its hash. `nextCursor` is present only while another page follows.");
        admin.MapDelete("/tokens/{id}", Revoke).WithName("RevokeToken")
            .WithSummary("Revoke a token")
            .WithDescription("Takes effect on every server instance within 5 seconds.");
        return admin;
    }

    public static async Task<Results<Created<IssuedToken>, ProblemHttpResult>> Create(
        HttpRequest request, Database db, TimeProvider clock, CancellationToken ct)
    {
        var body = await JsonBody.ReadObjectAsync(request, ct);
        if (body.Problem is { } bodyProblem)
        {
            return bodyProblem;
        }
        using var document = body.Document;
        var now = Timestamps.Now(clock);
        ResponseHeaders.NoStore(request.HttpContext.Response); // the answer holds the secret
        var fields = new JsonFields(body.Root, "", new FieldErrors());
        var subject = fields.Text("subject", null, SubjectMax, required: true, trim: true);
        var grants = ReadGrants(fields);
        var expiresAt = ReadExpiry(fields, now);
        if (fields.Errors.Count > 0)
        {
            return ApiProblem.Validation(fields.Errors);
        }

        return await db.WriteAsync<Results<Created<IssuedToken>, ProblemHttpResult>>(async (connection, transaction) =>
        {
            for (var i = 0; i < grants.Count; i++)
            {
                if (await WorkspaceStore.FindAsync(connection, grants[i].WorkspaceId, transaction) is null)
                {
                    fields.Errors.Add($"grants[{i}].workspaceId", "is not a workspace");
                }
            }
            if (fields.Errors.Count > 0)
            {
                return ApiProblem.Validation(fields.Errors);
            }
            var issued = await TokenStore.IssueAsync(connection, transaction, subject!, grants, expiresAt, now);
            return TypedResults.Created($"/v1/admin/tokens/{issued.Token.Id}", issued);
        }, ct);
    }

    public static async Task<Results<Ok<TokenList>, ProblemHttpResult>> List(Database db, string? limit, string? cursor, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var page = Page.Parse(limit, cursor, TokenSecrets.IdPrefix, errors);
        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }
        await using var connection = await db.OpenAsync(ct);
        var (items, next) = page.Cut(await TokenStore.ListAsync(connection, page.After, page.Limit + 1), t => t.Id);
        return TypedResults.Ok(new TokenList(items, next));
    }

    public static async Task<Results<Ok<Playbooks.OkResponse>, ProblemHttpResult>> Revoke(
        string id, Database db, TimeProvider clock, AccessCache cache, CancellationToken ct)
    {
        if (!Ids.IsValid(id, TokenSecrets.IdPrefix))
        {
            return ApiProblem.NotFound("active token");
        }
        bool revoked;
        try
        {
            revoked = await db.WriteAsync((connection, transaction) => TokenStore.RevokeAsync(connection, transaction, id, clock.GetUtcNow()), ct);
        }
        finally
        {
            cache.ForgetToken(id); // once the write has ended, whatever it reported
        }
        return revoked ? TypedResults.Ok(new Playbooks.OkResponse(true)) : ApiProblem.NotFound("active token");
    }

    private static List<Grant> ReadGrants(JsonFields fields)
    {
        var grants = new List<Grant>();
        var presence = fields.Find("grants", out var value);
        if (presence != Presence.Value || value.ValueKind != JsonValueKind.Array || value.GetArrayLength() is 0 or > GrantsMax)
        {
            fields.Errors.Add("grants", $"is required: an array of 1 to {GrantsMax} {{ workspaceId, role }} objects");
            return grants;
        }
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var path = $"grants[{index++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                fields.Errors.Add(path, "must be an object");
                continue;
            }
            var grant = new JsonFields(item, path, fields.Errors);
            var workspaceId = grant.Text("workspaceId", null, 64, required: true);
            // Roles are strict here: an operator granting "admin" by mistake must hear about it.
            var role = grant.Text("role", null, 16, required: true);
            if (role is not null && Array.IndexOf(Roles.All, role) < 0)
            {
                fields.Errors.Add($"{path}.role", $"must be one of: {string.Join(", ", Roles.All)}");
            }
            else if (workspaceId is not null && role is not null)
            {
                if (grants.Exists(g => g.WorkspaceId == workspaceId))
                {
                    fields.Errors.Add($"{path}.workspaceId", "is granted twice");
                }
                grants.Add(new Grant(workspaceId, role));
            }
        }
        return grants;
    }

    private static DateTimeOffset? ReadExpiry(JsonFields fields, DateTimeOffset now)
    {
        var text = fields.Text("expiresAt", null, 64);
        if (text is null)
        {
            return null;
        }
        if (!Timestamps.TryParseExact(text, out var expiresAt))
        {
            fields.Errors.Add("expiresAt", "must be an ISO 8601 date-time with its offset, such as 2030-01-01T00:00:00Z");
            return null;
        }
        if (expiresAt <= now)
        {
            fields.Errors.Add("expiresAt", "must be in the future");
        }
        return DateTimeOffset.FromUnixTimeMilliseconds(expiresAt.ToUnixTimeMilliseconds());
    }
}
