using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Playbooks.Api.Dashboard.Session;

[Authorize(Policy = DashboardAccess.SignedIn)]
public sealed class SignOutModel : PageModel
{
    public IActionResult OnGet() => Redirect("/app");

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(DashboardAccess.Scheme);
        return Redirect("/app/sign-in");
    }
}
