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
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IConfiguration configuration, AdminKeyGuesses guesses)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AdminKey";
    public const string ConfigurationKey = "Playbooks:AdminKey";

    /// <summary>The shortest admin key Production starts with: a guessable key would open every workspace.</summary>
    public const int ProductionMinLength = 32;

    public static bool IsConfigured(IConfiguration configuration) => !string.IsNullOrEmpty(configuration[ConfigurationKey]);

    /// <summary>Refuses to start in Production with an admin key shorter than <see cref="ProductionMinLength"/>.</summary>
    public sealed class StartCheck(IConfiguration configuration, IHostEnvironment environment) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var key = configuration[ConfigurationKey];
            if (environment.IsProduction() && !string.IsNullOrEmpty(key) && key.Length < ProductionMinLength)
            {
                throw new InvalidOperationException(
                    $"{ConfigurationKey} is {key.Length} characters long; in Production it must be at least {ProductionMinLength} (for example: openssl rand -base64 32).");
            }
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var configured = configuration[ConfigurationKey];
        if (string.IsNullOrEmpty(configured) || TokenSecrets.BearerOf(Request) is not { } presented)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        // Failed attempts are limited per client address (AdminKeyGuesses): past the limit, even the right key waits.
        var address = AdminKeyGuesses.PartitionOf(Context.Connection.RemoteIpAddress);
        if (guesses.Blocked(address) || (!CryptographicOperations.FixedTimeEquals(Digest(presented), Digest(configured)) && !guesses.Fail(address)))
        {
            Context.Items[AdminKeyGuesses.RetryAfterItem] = AdminKeyGuesses.Refill;
            return Task.FromResult(AuthenticateResult.Fail("Too many failed admin authentications from this address."));
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
