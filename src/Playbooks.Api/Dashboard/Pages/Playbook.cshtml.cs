using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Playbooks.Api.Adaptation;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Playbooks;
using Playbooks.Api.Runs;

namespace Playbooks.Api.Dashboard.Pages;

/// <summary>
/// One playbook: its spec, status actions, the evidence (AdaptationStore's evaluation), outcomes
/// over time (the stats endpoint's own code), runs, pivots and versions with their differences.
/// </summary>
[Authorize(Policy = DashboardAccess.Read)]
public sealed class PlaybookModel(Database db, Caller caller, TimeProvider clock) : PageModel
{
    public const int ListSize = 50;

    public PlaybookStore.Stored Playbook { get; private set; } = null!;
    public Evaluation Evaluation { get; private set; } = null!;
    public StatsResponse? Stats { get; private set; }
    public IReadOnlyList<RunStore.Row> Runs { get; private set; } = [];
    public string? NextRuns { get; private set; }
    public IReadOnlyList<PivotResponse> Pivots { get; private set; } = [];
    public IReadOnlyList<PlaybookStore.VersionRow> Versions { get; private set; } = [];
    public long DiffVersion { get; private set; }
    public IReadOnlyList<SpecDiff.Change> Diff { get; private set; } = [];
    public string? WriteRefusal { get; private set; }

    [BindProperty(SupportsGet = true)] public string Bucket { get; set; } = "day";
    [BindProperty(SupportsGet = true, Name = "runs")] public string? RunsCursor { get; set; }
    [BindProperty(SupportsGet = true, Name = "diff")] public long? DiffRequested { get; set; }

    public long SamplesNeeded => Math.Max(0, Playbook.Spec.Adaptation.MinSampleSize - Evaluation.Samples);

    public async Task<IActionResult> OnGetAsync(string id)
    {
        var ct = HttpContext.RequestAborted;
        if (await PlaybookStore.FindAsync(db, caller.WorkspaceId, id, ct) is not { } playbook)
        {
            return NotFound();
        }
        Playbook = playbook;
        WriteRefusal = await DashboardAccess.WriteRefusalAsync(HttpContext);
        Bucket = Bucket is "week" ? "week" : "day";

        if ((await StatsApi.Get(id, caller, db, clock, null, null, Bucket, ct)).Result is Ok<StatsResponse> { Value: { } stats })
        {
            Stats = stats;
        }

        await using var connection = await db.OpenAsync(ct);
        Evaluation = await AdaptationStore.EvaluateAsync(connection, playbook, Timestamps.Now(clock));

        var runsPage = Infrastructure.Page.Parse(ListSize.ToString(System.Globalization.CultureInfo.InvariantCulture), RunsCursor, "run_", new FieldErrors());
        var runs = await RunStore.ListAsync(connection, caller.WorkspaceId, id, null, runsPage.After, ListSize + 1);
        (Runs, NextRuns) = runsPage.Cut(runs, r => r.Id);

        Pivots = await AdaptationStore.ListPivotsAsync(connection, caller.WorkspaceId, id, null, ListSize);

        // The newest versions; any of them can be compared with the one before it.
        Versions = await PlaybookStore.ListVersionsAsync(connection, caller.WorkspaceId, id, Math.Max(0, playbook.Version - ListSize), ListSize);
        DiffVersion = DiffRequested is { } requested && requested >= 1 && requested <= playbook.Version ? requested : playbook.Version;
        var after = await PlaybookStore.FindVersionAsync(connection, caller.WorkspaceId, id, DiffVersion);
        var before = DiffVersion > 1 ? await PlaybookStore.FindVersionAsync(connection, caller.WorkspaceId, id, DiffVersion - 1) : null;
        if (after is not null)
        {
            Diff = SpecDiff.Between(before is null ? null : Spec(before), Spec(after));
        }
        return Page();
    }

    /// <summary>Activate, pause, archive: an update of <c>status</c> through the API's update path.</summary>
    public async Task<IActionResult> OnPostStatusAsync(string id, string? status)
    {
        if (await DashboardAccess.WriteRefusalAsync(HttpContext) is { } refusal)
        {
            return Redirect($"/app/forbidden?why={refusal}");
        }
        var ct = HttpContext.RequestAborted;
        if (await PlaybookStore.FindAsync(db, caller.WorkspaceId, id, ct) is not { } playbook)
        {
            return NotFound();
        }
        using var body = JsonDocument.Parse(JsonSerializer.Serialize(new { status }));
        var result = await PlaybookWrites.UpdateAsync(body.RootElement, playbook, _ => true, caller, db, clock, ct);
        return result is SaveResult.NotFound ? NotFound() : Redirect($"/app/playbooks/{id}");
    }

    private static PlaybookSpec Spec(PlaybookStore.VersionRow row) => row.ToResponse().Spec;
}
