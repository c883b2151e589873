using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Webhooks;

namespace Playbooks.Api.Dashboard.Pages;

/// <summary>
/// One webhook endpoint: its settings, its recent deliveries, and for editors enable/disable,
/// rotate secret, ping and redeliver, each through <see cref="WebhookWrites"/> as the API does.
/// </summary>
[Authorize(Policy = DashboardAccess.Read)]
public sealed class WebhookModel(Database db, Caller caller, WebhookSecrets secrets, IOptions<WebhookOptions> options, TimeProvider clock) : PageModel
{
    public const int DeliveriesShown = 25;

    public WebhookStore.Row Webhook { get; private set; } = null!;
    public IReadOnlyList<WebhookStore.DeliveryRow> Deliveries { get; private set; } = [];
    public string? OlderDeliveries { get; private set; }
    public string? WriteRefusal { get; private set; }

    /// <summary>The secret a rotation just made: this answer is the only one that shows it.</summary>
    public string? NewSecret { get; private set; }

    [BindProperty(SupportsGet = true, Name = "deliveries")] public string? DeliveriesCursor { get; set; }

    public async Task<IActionResult> OnGetAsync(string id) => await LoadAsync(id) ? Page() : NotFound();

    /// <summary>Enable or Disable: an update of <c>enabled</c> through the API's update path.</summary>
    public Task<IActionResult> OnPostEnabledAsync(string id, bool enabled) => WriteAsync(id, async ct =>
    {
        using var body = WebhookForm.Enabled(enabled);
        return await WebhookWrites.UpdateAsync(id, body.RootElement, caller, db, options.Value, clock, ct) is WebhookResult.Saved;
    });

    public Task<IActionResult> OnPostPingAsync(string id) => WriteAsync(id, async ct =>
        await WebhookWrites.PingAsync(id, caller, db, clock, ct) is not null);

    public Task<IActionResult> OnPostRedeliverAsync(string id, string deliveryId) => WriteAsync(id, async ct =>
        await WebhookWrites.RedeliverAsync(id, deliveryId, caller, db, clock, ct) is not null);

    public async Task<IActionResult> OnPostRotateAsync(string id)
    {
        if (await DashboardAccess.WriteRefusalAsync(HttpContext) is { } refusal)
        {
            return Redirect($"/app/forbidden?why={refusal}");
        }
        if (await WebhookWrites.RotateAsync(id, caller, db, secrets, clock, HttpContext.RequestAborted) is not WebhookResult.Saved(_, var secret))
        {
            return NotFound();
        }
        Infrastructure.ResponseHeaders.NoStore(Response);
        NewSecret = secret;
        return await LoadAsync(id) ? Page() : NotFound();
    }

    /// <summary>The write, refused like the API refuses it; then back to the page, so a reload repeats nothing.</summary>
    private async Task<IActionResult> WriteAsync(string id, Func<CancellationToken, Task<bool>> write)
    {
        if (await DashboardAccess.WriteRefusalAsync(HttpContext) is { } refusal)
        {
            return Redirect($"/app/forbidden?why={refusal}");
        }
        return await write(HttpContext.RequestAborted) ? Redirect($"/app/webhooks/{id}") : NotFound();
    }

    private async Task<bool> LoadAsync(string id)
    {
        await using var connection = await db.OpenAsync(HttpContext.RequestAborted);
        if (await WebhookStore.FindAsync(connection, caller.WorkspaceId, id) is not { } webhook)
        {
            return false;
        }
        Webhook = webhook;
        WriteRefusal = await DashboardAccess.WriteRefusalAsync(HttpContext);
        var page = Infrastructure.Page.Parse(DeliveriesShown.ToString(System.Globalization.CultureInfo.InvariantCulture), DeliveriesCursor, "dlv_", new FieldErrors());
        var rows = await WebhookStore.ListDeliveriesAsync(connection, caller.WorkspaceId, id, null, page.After, DeliveriesShown + 1);
        (Deliveries, OlderDeliveries) = page.Cut(rows, r => r.Id);
        return true;
    }
}
