using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Playbooks.Api.Data;

namespace Playbooks.Api.Auth;

/// <summary>
/// Authenticates the API's own tokens (<c>Authorization: Bearer pbt_…</c>): the token's id is in
/// the secret, so its row is found by primary key; the secret's hash is compared in constant
/// time; revoked and expired tokens fail.
/// </summary>
public sealed class ApiTokenAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, Database db, AccessCache cache, TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (TokenSecrets.BearerOf(Request) is not { } secret)
        {
            return AuthenticateResult.NoResult();
        }
        if (TokenSecrets.TokenIdOf(secret) is not { } tokenId)
        {
            return AuthenticateResult.Fail("The bearer credential is not a Playbooks token.");
        }

        // Kept only when loaded, never refreshed on a hit: an entry lives at most AccessCache.Lifetime.
        var token = cache.Token(tokenId) ?? await LoadAsync(tokenId);
        if (token is null || !TokenSecrets.Matches(secret, token.SecretHash) || token.ExpiresAt <= clock.GetUtcNow().ToUnixTimeMilliseconds())
        {
            return AuthenticateResult.Fail("The token is unknown, revoked or expired.");
        }

        var identity = PlaybooksClaims.Identity(SchemeName, token.Subject, tokenId, token.Grants, Request);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    private async Task<TokenStore.Usable?> LoadAsync(string tokenId)
    {
        await using var connection = await db.OpenAsync(Context.RequestAborted);
        var token = await TokenStore.FindUsableAsync(connection, tokenId);
        if (token is not null)
        {
            cache.Keep(tokenId, token);
        }
        return token;
    }
}
