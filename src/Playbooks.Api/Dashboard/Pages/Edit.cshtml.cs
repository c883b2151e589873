using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Playbooks;

namespace Playbooks.Api.Dashboard.Pages;

/// <summary>
/// Updates a playbook through <see cref="PlaybookWrites.UpdateAsync"/> over exactly the version the
/// form was loaded from (the API's If-Match): a newer version is a conflict that overwrites nothing.
/// </summary>
[Authorize(Policy = DashboardAccess.Write)]
public sealed class EditModel(Database db, Caller caller, TimeProvider clock) : PageModel
{
    [BindProperty]
    public PlaybookForm Form { get; set; } = new();

    public FieldErrors Errors { get; private set; } = new();

    public PlaybookStore.Stored Current { get; private set; } = null!;

    public bool Conflict { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id)
    {
        if (await PlaybookStore.FindAsync(db, caller.WorkspaceId, id, HttpContext.RequestAborted) is not { } playbook)
        {
            return NotFound();
        }
        Current = playbook;
        Form = PlaybookForm.From(playbook);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id)
    {
        if (await PlaybookStore.FindAsync(db, caller.WorkspaceId, id, HttpContext.RequestAborted) is not { } playbook)
        {
            return NotFound();
        }
        Current = playbook;
        var loaded = Form.Version;
        using var body = Form.ToJson();
        var result = await PlaybookWrites.UpdateAsync(
            body.RootElement, playbook, version => loaded is null || version == loaded, caller, db, clock, HttpContext.RequestAborted);
        switch (result)
        {
            case SaveResult.Saved(var saved):
                return Redirect($"/app/playbooks/{saved.Id}");
            case SaveResult.Invalid(var errors):
                Errors = errors;
                Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
                return Page();
            case SaveResult.Conflict(var newer):
                Current = newer;
                Conflict = true;
                Form = PlaybookForm.From(newer);
                ModelState.Clear();
                Response.StatusCode = StatusCodes.Status412PreconditionFailed;
                return Page();
            default:
                return NotFound();
        }
    }
}
