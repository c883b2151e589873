using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Webhooks;

namespace Playbooks.Api.Dashboard.Pages;

/// <summary>The confirmation of a webhook's delete, then the API's delete.</summary>
[Authorize(Policy = DashboardAccess.Write)]
public sealed class WebhookDeleteModel(Database db, Caller caller) : PageModel
{
    public WebhookStore.Row Webhook { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string id)
    {
        await using var connection = await db.OpenAsync(HttpContext.RequestAborted);
        if (await WebhookStore.FindAsync(connection, caller.WorkspaceId, id) is not { } webhook)
        {
            return NotFound();
        }
        Webhook = webhook;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id) =>
        await WebhookWrites.DeleteAsync(id, caller, db, HttpContext.RequestAborted) ? Redirect("/app/webhooks") : NotFound();
}
