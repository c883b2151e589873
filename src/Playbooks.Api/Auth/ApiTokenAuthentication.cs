using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Playbooks.Api.Auth;

/// <summary>
/// Authenticates the API's own tokens (<c>Authorization: Bearer pbt_…</c>) through
/// <see cref="TokenCheck"/>: revoked and expired tokens fail.
/// </summary>
public sealed class ApiTokenAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, TokenCheck tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (TokenSecrets.BearerOf(Request) is not { } secret)
        {
            return AuthenticateResult.NoResult();
        }
        if (TokenSecrets.TokenIdOf(secret) is null)
        {
            return AuthenticateResult.Fail("The bearer credential is not a Playbooks token.");
        }
        if (await tokens.VerifySecretAsync(secret, Context.RequestAborted) is not var (tokenId, token))
        {
            return AuthenticateResult.Fail("The token is unknown, revoked or expired.");
        }

        var identity = PlaybooksClaims.Identity(SchemeName, token.Subject, tokenId, token.Grants, WorkspaceAccess.NamedBy(Request));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
