using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Playbooks.Api.Auth;

namespace Playbooks.Api.Dashboard.Session;

/// <summary>The workspace switcher: the session keeps the chosen workspace; the grants decide what it may do there.</summary>
[Authorize(Policy = DashboardAccess.SignedIn)]
public sealed class WorkspaceModel(TokenCheck tokens) : PageModel
{
    public IActionResult OnGet() => Redirect("/app");

    public async Task<IActionResult> OnPostAsync(string? workspaceId)
    {
        var tokenId = User.FindFirstValue(DashboardAccess.TokenIdClaim);
        if (tokenId is null || await tokens.FindUsableAsync(tokenId, HttpContext.RequestAborted) is not { } token)
        {
            return Redirect("/app/sign-in");
        }
        if (!token.Grants.Any(g => g.WorkspaceId == workspaceId))
        {
            return Redirect($"/app/forbidden?why={WorkspaceAccess.Forbidden}");
        }
        await HttpContext.SignInAsync(DashboardAccess.Scheme, DashboardAccess.Session(tokenId, token, workspaceId));
        return Redirect("/app");
    }
}
