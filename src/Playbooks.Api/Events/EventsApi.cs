using Microsoft.AspNetCore.Http.HttpResults;
using Playbooks.Api.Auth;
using Playbooks.Api.Data;
using Playbooks.Api.Infrastructure;
using Playbooks.Api.Infrastructure.OpenApi;

namespace Playbooks.Api.Events;

/// <summary>The feed of what changed in a workspace (events.md section 1).</summary>
public static class EventsApi
{
    public static RouteGroupBuilder MapEvents(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/events")
            .WithTags("Events")
            .RequireRateLimiting(Policies.PerToken)
            .ProducesProblems(400, 401, 403, 429);

        group.MapGet("/", List).WithName("ListEvents").RequireAuthorization(Policies.Read)
            .WithSummary("List events")
            .WithDescription(
                "The workspace's events, oldest first, strictly after the event `after` names (an event older than the 30 days kept: from the oldest kept). `nextCursor` (an event id) is present only while "
                + "more events follow now; without it the caller has caught up, and polls again later with the id of the last event it saw as `after`. "
                + "No event ever appears behind one already listed, whatever the concurrency. Events are kept at least 30 days.");
        group.MapGet("/{eventId}", Get).WithName("GetEvent").RequireAuthorization(Policies.Read).ProducesProblems(404)
            .WithSummary("Get an event")
            .WithDescription("One event of the workspace.");
        return group;
    }

    public static async Task<Results<Ok<EventList>, ProblemHttpResult>> List(
        Caller caller, Database db, string? after, string? type, string? limit, CancellationToken ct)
    {
        var errors = new FieldErrors();
        // The feed's cursor is `after`, an event id, not the opaque cursor of other lists.
        var take = Page.Parse(limit, null, _ => true, errors).Limit;
        string[]? types = null;
        if (type is not null)
        {
            types = type.Split(',', StringSplitOptions.TrimEntries);
            if (types.Any(t => Array.IndexOf(EventTypes.All, t) < 0))
            {
                errors.Add("type", $"must be one or more of, separated by commas: {string.Join(", ", EventTypes.All)}");
            }
        }

        await using var connection = await db.OpenAsync(ct);
        (long Tx, long Seq) position = (-1, 0);
        if (after is not null && errors.Count == 0)
        {
            if (await EventLog.FindAsync(connection, caller.WorkspaceId, after) is { WebhookId: null } cursor)
            {
                position = (cursor.Tx, cursor.Seq);
            }
            else if (!Ids.IsValid(after, "evt_")
                || (await EventLog.OldestIdAsync(connection, caller.WorkspaceId) is { } oldest && string.CompareOrdinal(after, oldest) > 0))
            {
                errors.Add("after", "must be the id of an event of this workspace");
            }
            // Else it names an event from before the oldest one kept: forgotten after 30 days, and so
            // is everything before it. A consumer that was away that long resumes at the oldest kept.
        }
        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }

        var rows = await EventLog.ListAsync(connection, caller.WorkspaceId, position.Tx, position.Seq, types, take + 1);
        string? next = null;
        if (rows.Count > take)
        {
            rows.RemoveAt(take);
            next = rows[^1].Id;
        }
        return TypedResults.Ok(new EventList(rows.Select(r => r.ToResponse()).ToList(), next));
    }

    public static async Task<Results<Ok<EventEnvelope>, ProblemHttpResult>> Get(string eventId, Caller caller, Database db, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await EventLog.FindAsync(connection, caller.WorkspaceId, eventId) is { } row
            ? TypedResults.Ok(new EventEnvelope(row.ToResponse()))
            : ApiProblem.NotFound("event");
    }
}
