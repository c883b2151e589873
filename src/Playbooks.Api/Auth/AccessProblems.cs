using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http.HttpResults;
using Playbooks.Api.Infrastructure;

namespace Playbooks.Api.Auth;

/// <summary>
/// Answers a refused request with the contract's problem: 401 with a bearer challenge when the
/// caller is not authenticated (404 for the admin API of a server without an admin key), 400 when
/// the workspace must be named, 403 with the refusal's code otherwise.
/// </summary>
public sealed class AccessProblems(IConfiguration configuration) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler allowed = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            await allowed.HandleAsync(next, context, policy, authorizeResult);
            return;
        }
        if (policy.AuthenticationSchemes.Contains(Dashboard.DashboardAccess.Scheme))
        {
            await DashboardRefusal(context, authorizeResult);
            return;
        }
        await Problem(context, policy, authorizeResult).ExecuteAsync(context);
    }

    private IResult Problem(HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (result.Challenged)
        {
            if (policy.AuthenticationSchemes.Contains(AdminKeyAuthentication.SchemeName) && !AdminKeyAuthentication.IsConfigured(configuration))
            {
                return ApiProblem.Create(StatusCodes.Status404NotFound, "not_found", "There is no admin API on this server.");
            }
            if (context.Items[AdminKeyGuesses.RetryAfterItem] is TimeSpan wait)
            {
                var seconds = (int)Math.Ceiling(wait.TotalSeconds);
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return ApiProblem.Create(StatusCodes.Status429TooManyRequests, "rate_limited",
                    $"Too many failed admin authentications from this address; retry after {seconds} s.");
            }
            return Challenge(context);
        }

        return Refusal(result.AuthorizationFailure?.FailureReasons.FirstOrDefault()?.Message);
    }

    /// <summary>The problem for a refusal of the workspace policies, by its code (also MCP's tool errors).</summary>
    public static ProblemHttpResult Refusal(string? code) => code switch
    {
        WorkspaceAccess.Required => ApiProblem.Create(StatusCodes.Status400BadRequest, code,
            $"The token grants several workspaces: name one with the {WorkspaceAccess.Header} header."),
        WorkspaceAccess.ReadOnly => Forbidden(code, "The workspace is read-only; reads keep working."),
        WorkspaceAccess.InsufficientRole => Forbidden(code, "A viewer grant cannot change anything in this workspace."),
        _ => Forbidden(WorkspaceAccess.Forbidden, "The token has no grant for that workspace."),
    };

    /// <summary>Pages answer people, not programs: sign in first, or a page that says why not.</summary>
    private static async Task DashboardRefusal(HttpContext context, PolicyAuthorizationResult result)
    {
        if (result.Challenged)
        {
            await context.ChallengeAsync(Dashboard.DashboardAccess.Scheme);
            return;
        }
        var code = result.AuthorizationFailure?.FailureReasons.FirstOrDefault()?.Message ?? WorkspaceAccess.Forbidden;
        context.Response.Redirect($"/app/forbidden?why={Uri.EscapeDataString(code)}");
    }

    /// <summary>One answer for every failed authentication, so that it tells an attacker nothing.</summary>
    public static IResult Challenge(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return ApiProblem.Unauthorized("Send a valid token as Authorization: Bearer <token>.");
    }

    private static ProblemHttpResult Forbidden(string code, string detail) => ApiProblem.Create(StatusCodes.Status403Forbidden, code, detail);
}
