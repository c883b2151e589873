using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Playbooks.Api.Dashboard.Session;

/// <summary>Says why the server refused: the same refusal codes the API answers with.</summary>
[Authorize(Policy = DashboardAccess.SignedIn)]
public sealed class ForbiddenModel : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Why { get; set; }

    public void OnGet() => Response.StatusCode = StatusCodes.Status403Forbidden;
}
