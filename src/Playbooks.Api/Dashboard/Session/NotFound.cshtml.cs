using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Playbooks.Api.Dashboard.Session;

/// <summary>
/// What a person sees when a dashboard address answers an error without a page of its own (most
/// often a deleted playbook or a mistyped link, 404): a page in the dashboard's look, with the
/// original status kept.
/// </summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken]
public sealed class NotFoundModel : PageModel
{
    public int Status { get; private set; } = StatusCodes.Status404NotFound;

    public void OnGet() => Keep();

    public void OnPost() => Keep();

    private void Keep()
    {
        Status = HttpContext.Features.Get<IStatusCodeReExecuteFeature>()?.OriginalStatusCode ?? StatusCodes.Status404NotFound;
        Response.StatusCode = Status;
    }
}
