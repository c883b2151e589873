using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Playbooks;

namespace Playbooks.Api.Dashboard.Pages;

/// <summary>Creates a playbook through <see cref="PlaybookWrites.CreateAsync"/>, as the API does.</summary>
[Authorize(Policy = DashboardAccess.Write)]
public sealed class NewModel(Database db, Caller caller, TimeProvider clock) : PageModel
{
    [BindProperty]
    public PlaybookForm Form { get; set; } = PlaybookForm.New();

    public FieldErrors Errors { get; private set; } = new();

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        using var body = Form.ToJson();
        switch (await PlaybookWrites.CreateAsync(body.RootElement, caller, db, clock, HttpContext.RequestAborted))
        {
            case SaveResult.Saved(var playbook):
                return Redirect($"/app/playbooks/{playbook.Id}");
            case SaveResult.Invalid(var errors):
                Errors = errors;
                Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
                return Page();
            default:
                throw new InvalidOperationException("Creating a playbook ends saved or invalid.");
        }
    }
}
