using System.Data.Common;
using System.Text.Json;
using Dapper;
using Playbooks.Api.Infrastructure;

namespace Playbooks.Api.Auth;

public sealed record TokenResponse(string Id, string Subject, IReadOnlyList<Grant> Grants, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);

/// <summary>The only answer that ever carries a token's secret.</summary>
public sealed record IssuedToken(TokenResponse Token, string Secret);

/// <summary>A token as the admin list shows it: who, where, and until when; never its secret or hash.</summary>
public sealed record TokenSummary(
    string Id, string Subject, IReadOnlyList<Grant> Grants, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt);

public sealed record TokenList(
    IReadOnlyList<TokenSummary> Tokens,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? NextCursor);

/// <summary>The SQL of API tokens: issuing, finding one to authenticate, revoking.</summary>
public static class TokenStore
{
    /// <summary>A token that can still be used: known and not revoked (expiry is checked per request).</summary>
    public sealed record Usable(string Subject, byte[] SecretHash, IReadOnlyList<Grant> Grants, long? ExpiresAt);

    private sealed record Row(string Subject, byte[] SecretHash, string Grants, long? ExpiresAt, long? RevokedAt);

    // The list never selects secret_hash: what is not read cannot leak into an answer.
    private sealed record ListRow(string Id, string Subject, string Grants, long CreatedAt, long? ExpiresAt, long? RevokedAt);

    public static async Task<Usable?> FindUsableAsync(DbConnection connection, string tokenId)
    {
        var row = await connection.QuerySingleOrDefaultAsync<Row>(
            "SELECT subject, secret_hash, grants, expires_at, revoked_at FROM tokens WHERE id = @tokenId", new { tokenId });
        return row is null || row.RevokedAt is not null
            ? null
            : new Usable(row.Subject, row.SecretHash, JsonSerializer.Deserialize(row.Grants, AuthJson.Default.ListGrant) ?? [], row.ExpiresAt);
    }

    /// <summary>Stores a new token (its secret only as a hash) and returns the secret, once.</summary>
    public static async Task<IssuedToken> IssueAsync(
        DbConnection connection, DbTransaction transaction, string subject, IReadOnlyList<Grant> grants, DateTimeOffset? expiresAt, DateTimeOffset now)
    {
        var id = Ids.New(TokenSecrets.IdPrefix, now);
        var secret = TokenSecrets.NewSecret(id);
        await connection.ExecuteAsync(
            """
            INSERT INTO tokens (id, subject, secret_hash, grants, created_at, expires_at)
            VALUES (@id, @subject, @hash, @grants, @createdAt, @expiresAt)
            """,
            new
            {
                id,
                subject,
                hash = TokenSecrets.Hash(secret),
                grants = JsonSerializer.Serialize(grants.ToList(), AuthJson.Default.ListGrant),
                createdAt = now.ToUnixTimeMilliseconds(),
                expiresAt = expiresAt?.ToUnixTimeMilliseconds(),
            },
            transaction);
        return new IssuedToken(new TokenResponse(id, subject, grants, now, expiresAt), secret);
    }

    /// <summary>Tokens in id order (oldest first), revoked and expired ones included, after <paramref name="after"/>.</summary>
    public static async Task<List<TokenSummary>> ListAsync(DbConnection connection, string? after, int take)
    {
        var rows = await connection.QueryAsync<ListRow>(
            "SELECT id, subject, grants, created_at, expires_at, revoked_at FROM tokens"
            + (after is null ? "" : " WHERE id > @after") + " ORDER BY id LIMIT @take",
            new { after, take });
        return rows.Select(row => new TokenSummary(
            row.Id, row.Subject, JsonSerializer.Deserialize(row.Grants, AuthJson.Default.ListGrant) ?? [],
            Timestamps.FromMilliseconds(row.CreatedAt),
            row.ExpiresAt is { } expires ? Timestamps.FromMilliseconds(expires) : null,
            row.RevokedAt is { } revoked ? Timestamps.FromMilliseconds(revoked) : null)).ToList();
    }

    /// <summary>True when an active token was revoked now; false when there was none to revoke.</summary>
    public static async Task<bool> RevokeAsync(DbConnection connection, DbTransaction transaction, string id, DateTimeOffset now) =>
        await connection.ExecuteAsync(
            "UPDATE tokens SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL",
            new { id, at = now.ToUnixTimeMilliseconds() }, transaction) > 0;
}
