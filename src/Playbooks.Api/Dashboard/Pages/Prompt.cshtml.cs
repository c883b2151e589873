using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Playbooks.Api.Adaptation;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Playbooks;
using Playbooks.Api.Runs;
using Playbooks.Client;

namespace Playbooks.Api.Dashboard.Pages;

/// <summary>
/// The prompt the buddy would get for this playbook now, as a dry run: the runtime's own
/// <see cref="PromptBuilder"/>, fed the API's answers in the API's JSON shape (what the runtime reads).
/// </summary>
[Authorize(Policy = DashboardAccess.Read)]
public sealed class PromptModel(Database db, Caller caller, TimeProvider clock) : PageModel
{
    private static readonly JsonSerializerOptions ApiJson = new(JsonSerializerDefaults.Web) { Converters = { new Timestamps.JsonConverter() } };

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
        var evaluation = await AdaptationStore.EvaluateAsync(connection, playbook, Timestamps.Now(clock));
        var runRow = run is null ? null : await RunStore.FindAsync(connection, caller.WorkspaceId, id, run);
        RunId = runRow?.Id;

        Prompt = PromptBuilder.Build(
            As<Client.Playbook>(playbook.ToResponse()),
            As<Client.Evaluation>(evaluation),
            runRow is null ? null : As<Client.Run>(runRow.ToResponse(playbook.Spec.Strategy.SuccessMetric)));
        return Page();
    }

    private static T As<T>(object response) => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(response, response.GetType(), ApiJson), ApiJson)!;
}
