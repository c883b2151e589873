using System.Text.Json;
using Dapper;
using Playbooks.Api.Data;
using Playbooks.Api.Infrastructure;

namespace Playbooks.Api.Auth;

/// <summary>
/// Runs the checks every workspace endpoint shares, in the order of the contract:
/// authentication (401), the token's rate limit (429), workspace context (400/403),
/// mutation permission (403).
/// Resource existence, body validation and state are the endpoint's own.
/// </summary>
public sealed class WorkspaceAccessFilter(Database db, TimeProvider clock, AccessCache cache, TokenRateLimiter rateLimiter) : IEndpointFilter
{
    public const string WorkspaceHeader = "X-Workspace-Id";

    private sealed record TokenRow(string Subject, byte[] SecretHash, string Grants, long? ExpiresAt, long? RevokedAt);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var problem = await AuthorizeAsync(http, http.RequestServices.GetRequiredService<Caller>());
        return problem ?? await next(context);
    }

    private async Task<IResult?> AuthorizeAsync(HttpContext http, Caller caller)
    {
        var secret = TokenSecrets.BearerOf(http.Request);
        if (secret is null)
        {
            return Challenge(http, "Send a token as Authorization: Bearer <token>.");
        }
        var tokenId = TokenSecrets.TokenIdOf(secret);
        if (tokenId is null)
        {
            return Challenge(http, "The bearer token is not a Playbooks token.");
        }

        // Kept only when loaded, never refreshed on a hit: an entry lives at most AccessCache.Lifetime.
        var token = cache.Token(tokenId) ?? await LoadTokenAsync(tokenId, http.RequestAborted);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (token is null || !TokenSecrets.Matches(secret, token.SecretHash) || token.ExpiresAt <= now)
        {
            return Challenge(http, "The token is unknown, revoked or expired.");
        }

        if (rateLimiter.TryAcquire(tokenId) is { } retryAfter)
        {
            var seconds = (int)Math.Ceiling(Math.Max(retryAfter.TotalSeconds, 1));
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ApiProblem.Create(StatusCodes.Status429TooManyRequests, "rate_limited",
                $"Too many requests for this token; retry after {seconds} s.");
        }

        var grants = token.Grants;
        Grant? grant;
        if (http.Request.Headers.TryGetValue(WorkspaceHeader, out var named))
        {
            var workspaceId = named.ToString();
            grant = grants.FirstOrDefault(g => string.Equals(g.WorkspaceId, workspaceId, StringComparison.Ordinal));
            if (grant is null)
            {
                return Forbidden("workspace_forbidden", "The token has no grant for that workspace.");
            }
        }
        else if (grants.Count == 1)
        {
            grant = grants[0];
        }
        else
        {
            return ApiProblem.Create(StatusCodes.Status400BadRequest, "workspace_required",
                $"The token grants several workspaces: name one with the {WorkspaceHeader} header.");
        }

        var readOnly = cache.WorkspaceReadOnly(grant.WorkspaceId) ?? await LoadReadOnlyAsync(grant.WorkspaceId, http.RequestAborted);
        if (readOnly is null)
        {
            return Forbidden("workspace_forbidden", "The token has no grant for that workspace.");
        }
        if (IsMutation(http.Request.Method))
        {
            if (readOnly.Value)
            {
                return Forbidden("read_only_workspace", "The workspace is read-only; reads keep working.");
            }
            if (grant.Role != Roles.Editor)
            {
                return Forbidden("insufficient_role", "A viewer grant cannot change anything in this workspace.");
            }
        }

        caller.Set(tokenId, token.Subject, grant.WorkspaceId, grant.Role);
        return null;
    }

    /// <summary>A token that can still be used: known and not revoked (expiry is checked per request).</summary>
    private async Task<AccessCache.TokenEntry?> LoadTokenAsync(string tokenId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<TokenRow>(
            "SELECT subject, secret_hash, grants, expires_at, revoked_at FROM tokens WHERE id = @tokenId", new { tokenId });
        if (row is null || row.RevokedAt is not null)
        {
            return null;
        }
        var token = new AccessCache.TokenEntry(row.Subject, row.SecretHash, JsonSerializer.Deserialize(row.Grants, AuthJson.Default.ListGrant) ?? [], row.ExpiresAt);
        cache.Keep(tokenId, token);
        return token;
    }

    private async Task<bool?> LoadReadOnlyAsync(string workspaceId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(cancellationToken);
        var readOnly = await connection.QuerySingleOrDefaultAsync<bool?>("SELECT read_only FROM workspaces WHERE id = @workspaceId", new { workspaceId });
        if (readOnly is { } known)
        {
            cache.Keep(workspaceId, known);
        }
        return readOnly;
    }

    public static bool IsMutation(string method) =>
        HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);

    public static IResult Challenge(HttpContext http, string detail)
    {
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return ApiProblem.Unauthorized(detail);
    }

    private static IResult Forbidden(string code, string detail) => ApiProblem.Create(StatusCodes.Status403Forbidden, code, detail);
}
