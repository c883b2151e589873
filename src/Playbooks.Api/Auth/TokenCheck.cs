using Playbooks.Api.Data;

namespace Playbooks.Api.Auth;

/// <summary>
/// The one check of an API token, for the bearer scheme and the dashboard's session alike: the
/// token's row (through <see cref="AccessCache"/>, so a revocation is seen within its lifetime),
/// not revoked, not expired, and for a presented secret, its hash compared in constant time.
/// </summary>
public sealed class TokenCheck(Database db, AccessCache cache, TimeProvider clock)
{
    /// <summary>The token a secret belongs to, with its id, when the secret is valid now.</summary>
    public async Task<(string TokenId, TokenStore.Usable Token)?> VerifySecretAsync(string secret, CancellationToken cancellationToken)
    {
        if (TokenSecrets.TokenIdOf(secret) is not { } tokenId)
        {
            return null;
        }
        var token = await FindUsableAsync(tokenId, cancellationToken);
        return token is not null && TokenSecrets.Matches(secret, token.SecretHash) ? (tokenId, token) : null;
    }

    /// <summary>The token with this id when it is known, not revoked and not expired now.</summary>
    public async Task<TokenStore.Usable?> FindUsableAsync(string tokenId, CancellationToken cancellationToken)
    {
        // Kept only when loaded, never refreshed on a hit: an entry lives at most AccessCache.Lifetime.
        var token = cache.Token(tokenId) ?? await LoadAsync(tokenId, cancellationToken);
        return token is null || token.ExpiresAt <= clock.GetUtcNow().ToUnixTimeMilliseconds() ? null : token;
    }

    private async Task<TokenStore.Usable?> LoadAsync(string tokenId, CancellationToken cancellationToken)
    {
        var readAt = cache.Generation;
        await using var connection = await db.OpenAsync(cancellationToken);
        var token = await TokenStore.FindUsableAsync(connection, tokenId);
        if (token is not null)
        {
            cache.Keep(tokenId, token, readAt);
        }
        return token;
    }
}
