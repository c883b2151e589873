using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Playbooks;
using Playbooks.Api.Runs;

namespace Playbooks.Api.Dashboard.Pages;

/// <summary>One run: its metrics, its outcome reports over time, the spec version it ran under; ending it.</summary>
[Authorize(Policy = DashboardAccess.Read)]
public sealed class RunModel(Database db, Caller caller, TimeProvider clock) : PageModel
{
    public const int ReportsShown = 200;

    public PlaybookStore.Stored Playbook { get; private set; } = null!;
    public RunStore.Row Run { get; private set; } = null!;
    public IReadOnlyList<RunStore.OutcomeRow> Reports { get; private set; } = [];
    public string? WriteRefusal { get; private set; }
    public FieldErrors Errors { get; private set; } = new();

    public async Task<IActionResult> OnGetAsync(string id, string runId) =>
        await LoadAsync(id, runId) ? Page() : NotFound();

    public async Task<IActionResult> OnPostEndAsync(string id, string runId, string? status, string? note)
    {
        if (await DashboardAccess.WriteRefusalAsync(HttpContext) is { } refusal)
        {
            return Redirect($"/app/forbidden?why={refusal}");
        }
        using var body = JsonDocument.Parse(JsonSerializer.Serialize(new { status, note = string.IsNullOrEmpty(note) ? null : note }));
        var (finalStatus, finalNote, errors) = RunsApi.ReadEnd(body.RootElement);
        if (errors.Count == 0 && await PlaybookStore.FindAsync(db, caller.WorkspaceId, id, HttpContext.RequestAborted) is not null)
        {
            await db.WriteAsync((connection, transaction) => RunsApi.EndAsync(
                connection, transaction, caller, id, runId, finalStatus!, finalNote, Timestamps.Now(clock)), HttpContext.RequestAborted);
            return Redirect($"/app/playbooks/{id}/runs/{runId}");
        }
        Errors = errors;
        if (!await LoadAsync(id, runId))
        {
            return NotFound();
        }
        Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        return Page();
    }

    private async Task<bool> LoadAsync(string id, string runId)
    {
        var ct = HttpContext.RequestAborted;
        if (await PlaybookStore.FindAsync(db, caller.WorkspaceId, id, ct) is not { } playbook)
        {
            return false;
        }
        await using var connection = await db.OpenAsync(ct);
        if (await RunStore.FindAsync(connection, caller.WorkspaceId, id, runId) is not { } run)
        {
            return false;
        }
        Playbook = playbook;
        Run = run;
        Reports = await RunStore.ListOutcomesAsync(connection, caller.WorkspaceId, id, runId, ReportsShown);
        WriteRefusal = await DashboardAccess.WriteRefusalAsync(HttpContext);
        return true;
    }
}
