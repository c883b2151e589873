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
/// The workspace's webhook endpoints and, for editors, the form that creates one through
/// <see cref="WebhookWrites.CreateAsync"/>, as the API does; the new secret is shown in that answer only.
/// </summary>
[Authorize(Policy = DashboardAccess.Read)]
public sealed class WebhooksModel(Database db, Caller caller, WebhookSecrets secrets, IOptions<WebhookOptions> options, TimeProvider clock) : PageModel
{
    public IReadOnlyList<WebhookStore.Row> Webhooks { get; private set; } = [];
    public string? WriteRefusal { get; private set; }

    /// <summary>What the form holds: empty, or what was sent when the server refused it.</summary>
    public string FormUrl { get; private set; } = "";
    public IReadOnlyList<string> Events { get; private set; } = [];
    public string Description { get; private set; } = "";
    public FieldErrors Errors { get; private set; } = new();
    public string? Refusal { get; private set; }

    /// <summary>The endpoint just created and its secret: this answer is the only one that shows it.</summary>
    public (WebhookStore.Row Webhook, string Secret)? Created { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostAsync(string? url, string[]? events, string? description)
    {
        if (await DashboardAccess.WriteRefusalAsync(HttpContext) is { } refusal)
        {
            return Redirect($"/app/forbidden?why={refusal}");
        }
        FormUrl = url ?? "";
        Events = events ?? [];
        Description = description ?? "";
        using var body = WebhookForm.ToJson(url, events, description);
        switch (await WebhookWrites.CreateAsync(body.RootElement, caller, db, secrets, options.Value, clock, HttpContext.RequestAborted))
        {
            case WebhookResult.Saved(var row, var secret):
                Infrastructure.ResponseHeaders.NoStore(Response);
                Created = (row, secret!);
                FormUrl = "";
                Events = [];
                Description = "";
                break;
            case WebhookResult.Invalid(var errors):
                Errors = errors;
                Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
                break;
            default:
                Refusal = WebhooksApi.TooManyMessage;
                Response.StatusCode = StatusCodes.Status409Conflict;
                break;
        }
        await LoadAsync();
        return Page();
    }

    public IReadOnlyList<string> ErrorsFor(string path) => WebhookForm.ErrorsFor(Errors, path);

    private async Task LoadAsync()
    {
        WriteRefusal = await DashboardAccess.WriteRefusalAsync(HttpContext);
        await using var connection = await db.OpenAsync(HttpContext.RequestAborted);
        Webhooks = await WebhookStore.ListAsync(connection, caller.WorkspaceId);
    }
}
