using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Playbooks.Api.Adaptation;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Playbooks;
using Playbooks.Api.Runs;

namespace Playbooks.Api.Dashboard.Pages;

/// <summary>The workspace's playbooks, a page at a time, with their evidence state and run totals.</summary>
[Authorize(Policy = DashboardAccess.Read)]
public sealed class IndexModel(Database db, Caller caller, TimeProvider clock) : PageModel
{
    public const int PageSize = 25;

    public sealed record Row(PlaybookStore.Stored Playbook, string State, RunStore.PlaybookSummary? Summary);

    [BindProperty(SupportsGet = true)] public string? Status { get; set; }
    [BindProperty(SupportsGet = true)] public string? Mode { get; set; }
    [BindProperty(SupportsGet = true)] public string? Buddy { get; set; }
    [BindProperty(SupportsGet = true)] public string? Cursor { get; set; }

    public IReadOnlyList<Row> Rows { get; private set; } = [];
    public string? NextCursor { get; private set; }
    public string? WriteRefusal { get; private set; }
    public bool Filtered => Status is not null || Mode is not null || Buddy is not null;

    public async Task OnGetAsync()
    {
        // Filters a hand-edited address gets wrong are dropped, not an error page.
        Status = Known(Status, SpecRules.Statuses);
        Mode = Known(Mode, SpecRules.Modes);
        Buddy = Known(Buddy, SpecRules.Buddies);
        var page = Infrastructure.Page.Parse(PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture), Cursor, "pb_", new FieldErrors());
        WriteRefusal = await DashboardAccess.WriteRefusalAsync(HttpContext);

        await using var connection = await db.OpenAsync(HttpContext.RequestAborted);
        var stored = await PlaybookStore.ListAsync(connection, caller.WorkspaceId, Status, Mode, Buddy, page.After, PageSize + 1);
        var (items, next) = page.Cut(stored, p => p.Id);
        var summaries = await RunStore.SummariesAsync(connection, caller.WorkspaceId, items.Select(p => p.Id).ToList());
        var now = Timestamps.Now(clock);
        var rows = new List<Row>(items.Count);
        foreach (var playbook in items)
        {
            var evaluation = await AdaptationStore.EvaluateAsync(connection, playbook, now);
            rows.Add(new Row(playbook, evaluation.State, summaries.GetValueOrDefault(playbook.Id)));
        }
        Rows = rows;
        NextCursor = next;
    }

    public string PageLink(string? cursor) => "/app" + QueryString.Create(new Dictionary<string, string?>
    {
        ["status"] = Status,
        ["mode"] = Mode,
        ["buddy"] = Buddy,
        ["cursor"] = cursor,
    }.Where(p => p.Value is not null));

    private static string? Known(string? value, string[] allowed) => value is not null && Array.IndexOf(allowed, value) >= 0 ? value : null;
}
