using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Playbooks.Api.Auth;

namespace Playbooks.Api.Dashboard.Session;

/// <summary>Checks a pasted token secret exactly as the API does and starts a session that holds only its id.</summary>
[AllowAnonymous]
public sealed class SignInModel(TokenCheck tokens) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(string? secret)
    {
        var trimmed = secret?.Trim() ?? "";
        if (trimmed.Length is 0 or > 512 || await tokens.VerifySecretAsync(trimmed, HttpContext.RequestAborted) is not var (tokenId, token))
        {
            Error = "That token is unknown, revoked or expired.";
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }
        var workspaceId = token.Grants.Count > 0 ? token.Grants[0].WorkspaceId : null;
        await HttpContext.SignInAsync(DashboardAccess.Scheme, DashboardAccess.Session(tokenId, token, workspaceId));
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) && ReturnUrl!.StartsWith("/app", StringComparison.Ordinal) ? ReturnUrl : "/app");
    }
}
