using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Events;
using Playbooks.Api.Playbooks;

namespace Playbooks.Api.Dashboard.Pages;

/// <summary>
/// The workspace's events newest first (the feed's events, read from the other end by
/// <see cref="EventLog.ListNewestAsync"/>), each linked to the playbook and run it concerns.
/// </summary>
[Authorize(Policy = DashboardAccess.Read)]
public sealed class ActivityModel(Database db, Caller caller) : PageModel
{
    public const int PageSize = 50;

    /// <summary>An event with what it concerns, as far as its data says.</summary>
    public sealed record Row(EventLog.Row Event, string? PlaybookId, string? PlaybookName, string? RunId);

    [BindProperty(SupportsGet = true, Name = "type")] public string? EventType { get; set; }
    [BindProperty(SupportsGet = true)] public string? Before { get; set; }

    public IReadOnlyList<Row> Rows { get; private set; } = [];
    public string? OlderCursor { get; private set; }

    /// <summary>The playbooks among the rows' that still exist; the others are shown without a link.</summary>
    public IReadOnlySet<string> Existing { get; private set; } = new HashSet<string>();

    public async Task OnGetAsync()
    {
        // A type or cursor a hand-edited address gets wrong is dropped, not an error page.
        EventType = EventType is not null && Array.IndexOf(EventTypes.All, EventType) >= 0 ? EventType : null;
        await using var connection = await db.OpenAsync(HttpContext.RequestAborted);
        (long, long)? before = null;
        if (Before is not null && await EventLog.FindAsync(connection, caller.WorkspaceId, Before) is { WebhookId: null } cursor)
        {
            before = (cursor.Tx, cursor.Seq);
        }
        else
        {
            Before = null;
        }

        var events = await EventLog.ListNewestAsync(connection, caller.WorkspaceId, before, EventType is null ? null : [EventType], PageSize + 1);
        if (events.Count > PageSize)
        {
            events.RemoveAt(PageSize);
            OlderCursor = events[^1].Id;
        }
        Rows = events.Select(Concerning).ToList();
        Existing = await PlaybookStore.ExistingAsync(connection, caller.WorkspaceId, Rows.Where(r => r.PlaybookId is not null).Select(r => r.PlaybookId!).ToList());
    }

    public string Link(string? type, string? before) => "/app/activity" + QueryString.Create(new Dictionary<string, string?>
    {
        ["type"] = type,
        ["before"] = before,
    }.Where(p => p.Value is not null));

    /// <summary>The playbook and run an event is about: data.playbook, data.run, data.playbookId or data.pivot, whichever it has.</summary>
    public static Row Concerning(EventLog.Row row)
    {
        using var document = JsonDocument.Parse(row.Data);
        var data = document.RootElement;
        string? playbookId = null, playbookName = null, runId = null;
        if (Member(data, "playbook") is { ValueKind: JsonValueKind.Object } playbook)
        {
            playbookId = Text(playbook, "id");
            playbookName = Text(playbook, "name");
        }
        if (Member(data, "run") is { ValueKind: JsonValueKind.Object } run)
        {
            runId = Text(run, "id");
            playbookId ??= Text(run, "playbookId");
        }
        playbookId ??= Text(data, "playbookId");
        if (Member(data, "pivot") is { ValueKind: JsonValueKind.Object } pivot)
        {
            playbookId ??= Text(pivot, "playbookId");
        }
        return new Row(row, playbookId, playbookName, runId);
    }

    private static JsonElement? Member(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : null;

    private static string? Text(JsonElement element, string name) =>
        Member(element, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;
}
