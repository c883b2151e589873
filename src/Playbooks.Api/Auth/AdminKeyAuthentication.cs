using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Playbooks.Api.Auth;

/// <summary>
/// Authenticates the operator by the key of <c>Playbooks:AdminKey</c>. Keys are compared as
/// SHA-256 digests in constant time, so neither content nor length leaks through timing. Without
/// a configured key nobody is the operator, and the admin API answers 404 (see <see cref="AccessProblems"/>).
/// </summary>
public sealed class AdminKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IConfiguration configuration)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AdminKey";
    public const string ConfigurationKey = "Playbooks:AdminKey";

    public static bool IsConfigured(IConfiguration configuration) => !string.IsNullOrEmpty(configuration[ConfigurationKey]);

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var configured = configuration[ConfigurationKey];
        if (string.IsNullOrEmpty(configured) || TokenSecrets.BearerOf(Request) is not { } presented)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        if (!CryptographicOperations.FixedTimeEquals(Digest(presented), Digest(configured)))
        {
            return Task.FromResult(AuthenticateResult.Fail("The admin key does not match."));
        }
        var identity = new ClaimsIdentity([new Claim(PlaybooksClaims.Subject, "admin")], SchemeName, PlaybooksClaims.Subject, PlaybooksClaims.Role);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
