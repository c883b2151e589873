using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Playbooks;

namespace Playbooks.Api.Dashboard.Pages;

/// <summary>The confirmation of a delete, then the API's delete.</summary>
[Authorize(Policy = DashboardAccess.Write)]
public sealed class DeleteModel(Database db, Caller caller, TimeProvider clock) : PageModel
{
    public PlaybookStore.Stored Playbook { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string id)
    {
        if (await PlaybookStore.FindAsync(db, caller.WorkspaceId, id, HttpContext.RequestAborted) is not { } playbook)
        {
            return NotFound();
        }
        Playbook = playbook;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id) =>
        await PlaybookWrites.DeleteAsync(id, caller, db, clock, HttpContext.RequestAborted) ? Redirect("/app") : NotFound();
}
