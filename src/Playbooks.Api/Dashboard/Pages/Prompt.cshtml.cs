using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Playbooks;
using Playbooks.Api.Runs;

namespace Playbooks.Api.Dashboard.Pages;

/// <summary>The prompt the buddy would get for this playbook now, as a dry run (<see cref="BuddyPrompt"/>).</summary>
[Authorize(Policy = DashboardAccess.Read)]
public sealed class PromptModel(Database db, Caller caller, TimeProvider clock) : PageModel
{
    public PlaybookStore.Stored Playbook { get; private set; } = null!;
    public string Prompt { get; private set; } = "";
    public string? RunId { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id, string? run)
    {
        var ct = HttpContext.RequestAborted;
        if (await PlaybookStore.FindAsync(db, caller.WorkspaceId, id, ct) is not { } playbook)
        {
            return NotFound();
        }
        Playbook = playbook;
        await using var connection = await db.OpenAsync(ct);
        var runRow = run is null ? null : await RunStore.FindAsync(connection, caller.WorkspaceId, id, run);
        RunId = runRow?.Id;
        Prompt = await BuddyPrompt.BuildAsync(connection, playbook, runRow, Timestamps.Now(clock));
        return Page();
    }
}
