using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Playbooks.Api.Auth;

namespace Playbooks.Api.Dashboard;

/// <summary>
/// The dashboard's session: a cookie (HttpOnly, SameSite=Strict, 8 h sliding, protected by Data
/// Protection) that carries the API token's id and the chosen workspace, never the secret. Every
/// request re-reads the token through <see cref="TokenCheck"/> and rebuilds the identity with
/// <see cref="PlaybooksClaims.Identity"/>, so pages run under the API's grants and policies, and a
/// revoked or expired token ends the session as soon as the API refuses it.
/// </summary>
public static class DashboardAccess
{
    public const string Scheme = "Dashboard";
    public const string Read = "dashboard-read";
    public const string Write = "dashboard-write";
    public const string SignedIn = "dashboard-signed-in";

    public const string TokenIdClaim = "token_id";
    public const string ChosenWorkspaceClaim = "chosen_workspace";

    public static IServiceCollection AddDashboardAccess(this IServiceCollection services)
    {
        services.AddAuthentication().AddCookie(Scheme, options =>
        {
            options.Cookie.Name = "playbooks_session";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.Cookie.Path = "/app";
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
            options.SlidingExpiration = true;
            options.LoginPath = "/app/sign-in";
            options.LogoutPath = "/app/sign-out";
            options.AccessDeniedPath = "/app/forbidden";
            options.Events.OnValidatePrincipal = ValidateAsync;
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(SignedIn, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser())
            .AddPolicy(Read, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser().AddRequirements(new WorkspaceAccess(write: false)))
            .AddPolicy(Write, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser().AddRequirements(new WorkspaceAccess(write: true)));
        return services;
    }

    /// <summary>The principal a session starts with; <see cref="ValidateAsync"/> fills in the grant on every request.</summary>
    public static ClaimsPrincipal Session(string tokenId, TokenStore.Usable token, string? workspaceId)
    {
        var identity = PlaybooksClaims.Identity(Scheme, token.Subject, tokenId, token.Grants, workspaceId);
        identity.AddClaim(new Claim(TokenIdClaim, tokenId));
        if (workspaceId is not null)
        {
            identity.AddClaim(new Claim(ChosenWorkspaceClaim, workspaceId));
        }
        return new ClaimsPrincipal(identity);
    }

    /// <summary>The workspace the session works in, as chosen at sign-in or with the switcher.</summary>
    public static string? ChosenWorkspace(ClaimsPrincipal user) => user.FindFirstValue(ChosenWorkspaceClaim);

    private static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var tokenId = context.Principal?.FindFirstValue(TokenIdClaim);
        var tokens = context.HttpContext.RequestServices.GetRequiredService<TokenCheck>();
        if (tokenId is null || await tokens.FindUsableAsync(tokenId, context.HttpContext.RequestAborted) is not { } token)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
            return;
        }
        var principal = Session(tokenId, token, ChosenWorkspace(context.Principal!));
        context.ReplacePrincipal(principal);
        context.HttpContext.Items[GrantsKey] = token.Grants;
    }

    private const string GrantsKey = "dashboard_grants";

    /// <summary>The token's grants as this request's session check read them.</summary>
    public static IReadOnlyList<Grant> Grants(HttpContext context) =>
        context.Items[GrantsKey] as IReadOnlyList<Grant> ?? [];

    /// <summary>Whether the signed-in caller may change things here; null when it may, else the refusal's code.</summary>
    public static async Task<string?> WriteRefusalAsync(HttpContext context)
    {
        var authorization = context.RequestServices.GetRequiredService<IAuthorizationService>();
        var result = await authorization.AuthorizeAsync(context.User, context, Write);
        return result.Succeeded ? null : result.Failure?.FailureReasons.FirstOrDefault()?.Message ?? WorkspaceAccess.Forbidden;
    }

    /// <summary>Why a change is refused, in words for the page.</summary>
    public static string Explain(string? code) => code switch
    {
        WorkspaceAccess.ReadOnly => "This workspace is read-only: you can look at everything, but nothing can be changed.",
        WorkspaceAccess.InsufficientRole => "Your token has a viewer grant for this workspace: you can look at everything, but not change anything.",
        WorkspaceAccess.Required => "Your token grants several workspaces: choose one.",
        _ => "Your token has no grant for this workspace.",
    };
}
