using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace Playbooks.Api.Auth;

/// <summary>
/// Optional JWT bearer tokens from an identity provider (product.md section 3), beside the API's
/// own tokens: configured by <c>Playbooks:Jwt:Authority</c> (keys from its discovery document) or
/// <c>Playbooks:Jwt:SigningKey</c> (a shared HMAC key), with <c>Issuer</c> and <c>Audience</c>.
/// The subject is the <c>sub</c> claim; the grants are the <c>playbooks_grants</c> claim, a JSON
/// array of <c>{ "workspaceId", "role" }</c>.
/// </summary>
public static class JwtAuthentication
{
    public const string Scheme = "Jwt";
    public const string GrantsClaim = "playbooks_grants";
    public const string Section = "Playbooks:Jwt";
    private const int MinKeyBytes = 32;

    public static bool IsConfigured(IConfiguration configuration) =>
        !string.IsNullOrEmpty(configuration[$"{Section}:Authority"]) || !string.IsNullOrEmpty(configuration[$"{Section}:SigningKey"]);

    public static AuthenticationBuilder AddPlaybooksJwt(this AuthenticationBuilder builder, IConfiguration configuration)
    {
        if (!IsConfigured(configuration))
        {
            return builder;
        }
        var section = configuration.GetSection(Section);
        var issuer = section["Issuer"];
        var audience = section["Audience"];
        if (string.IsNullOrEmpty(issuer) || string.IsNullOrEmpty(audience))
        {
            throw new InvalidOperationException($"{Section}:Issuer and {Section}:Audience must be set to accept JWT bearer tokens.");
        }
        var signingKey = section["SigningKey"] is { Length: > 0 } key ? Encoding.UTF8.GetBytes(key) : null;
        if (signingKey is { Length: < MinKeyBytes })
        {
            throw new InvalidOperationException($"{Section}:SigningKey must be at least {MinKeyBytes} bytes long.");
        }

        return builder.AddJwtBearer(Scheme, options =>
        {
            options.MapInboundClaims = false;
            if (section["Authority"] is { Length: > 0 } authority)
            {
                options.Authority = authority;
            }
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = issuer,
                ValidAudience = audience,
                IssuerSigningKey = signingKey is null ? null : new SymmetricSecurityKey(signingKey),
                ValidateIssuerSigningKey = true,
                NameClaimType = PlaybooksClaims.Subject,
            };
            options.Events = new JwtBearerEvents { OnTokenValidated = ToPlaybooksPrincipal };
        });
    }

    /// <summary>Whether a bearer credential is for this scheme rather than an API token.</summary>
    public static bool Presents(HttpRequest request) =>
        TokenSecrets.BearerOf(request) is { } credential && !credential.StartsWith(TokenSecrets.SecretPrefix, StringComparison.Ordinal);

    private static Task ToPlaybooksPrincipal(TokenValidatedContext context)
    {
        var subject = context.Principal?.FindFirstValue(PlaybooksClaims.Subject);
        if (string.IsNullOrEmpty(subject) || subject.Length > TokensAdminApi.SubjectMax)
        {
            context.Fail("The token has no usable sub claim.");
            return Task.CompletedTask;
        }
        var grants = ReadGrants(context.Principal!.FindAll(GrantsClaim));
        // The rate limit counts a JWT's requests by subject: a new token for the same subject shares its budget.
        context.Principal = new ClaimsPrincipal(PlaybooksClaims.Identity(Scheme, subject, $"jwt:{subject}", grants, WorkspaceAccess.NamedBy(context.Request)));
        return Task.CompletedTask;
    }

    /// <summary>
    /// The grants of the claim, however the token handler split it (one claim holding the JSON
    /// array, or one claim per element). Entries that are not a grant are left out.
    /// </summary>
    private static List<Grant> ReadGrants(IEnumerable<Claim> claims)
    {
        var grants = new List<Grant>();
        foreach (var claim in claims)
        {
            try
            {
                using var json = JsonDocument.Parse(claim.Value);
                var items = json.RootElement.ValueKind == JsonValueKind.Array ? json.RootElement.EnumerateArray().ToList() : [json.RootElement];
                foreach (var item in items)
                {
                    if (item.ValueKind == JsonValueKind.Object
                        && item.TryGetProperty("workspaceId", out var workspace) && workspace.ValueKind == JsonValueKind.String
                        && item.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String
                        && Array.IndexOf(Roles.All, role.GetString()) >= 0
                        && grants.Count < TokensAdminApi.GrantsMax)
                    {
                        grants.Add(new Grant(workspace.GetString()!, role.GetString()!));
                    }
                }
            }
            catch (JsonException)
            {
                // Not JSON: not a grant.
            }
        }
        return grants;
    }
}
