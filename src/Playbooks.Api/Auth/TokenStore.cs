using System.Data.Common;
using System.Text.Json;
using Dapper;
using Playbooks.Api.Infrastructure;

namespace Playbooks.Api.Auth;

public sealed record TokenResponse(string Id, string Subject, IReadOnlyList<Grant> Grants, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);

/// <summary>The only answer that ever carries a token's secret.</summary>
public sealed record IssuedToken(TokenResponse Token, string Secret);

/// <summary>The SQL of API tokens: issuing, finding one to authenticate, revoking.</summary>
public static class TokenStore
{
    /// <summary>A token that can still be used: known and not revoked (expiry is checked per request).</summary>
    public sealed record Usable(string Subject, byte[] SecretHash, IReadOnlyList<Grant> Grants, long? ExpiresAt);

    private sealed record Row(string Subject, byte[] SecretHash, string Grants, long? ExpiresAt, long? RevokedAt);

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

    /// <summary>True when an active token was revoked now; false when there was none to revoke.</summary>
    public static async Task<bool> RevokeAsync(DbConnection connection, DbTransaction transaction, string id, DateTimeOffset now) =>
        await connection.ExecuteAsync(
            "UPDATE tokens SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL",
            new { id, at = now.ToUnixTimeMilliseconds() }, transaction) > 0;
}
