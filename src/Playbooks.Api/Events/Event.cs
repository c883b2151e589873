using System.Text.Json;
using System.Text.Json.Serialization;
using Playbooks.Api.Adaptation;
using Playbooks.Api.Playbooks;
using Playbooks.Api.Runs;

namespace Playbooks.Api.Events;

/// <summary>The event types of events.md section 1, and the ping that goes to one endpoint only.</summary>
public static class EventTypes
{
    public const string PlaybookCreated = "playbook.created";
    public const string PlaybookUpdated = "playbook.updated";
    public const string PlaybookDeleted = "playbook.deleted";
    public const string RunStarted = "run.started";
    public const string RunEnded = "run.ended";
    public const string AdaptationStateChanged = "adaptation.state_changed";
    public const string PivotCreated = "pivot.created";
    public const string WebhookPing = "webhook.ping";

    /// <summary>What the feed holds and what an endpoint may subscribe to.</summary>
    public static readonly string[] All = [PlaybookCreated, PlaybookUpdated, PlaybookDeleted, RunStarted, RunEnded, AdaptationStateChanged, PivotCreated];
}

/// <summary>An event as the feed and the webhooks carry it; <c>data</c> depends on <c>type</c>.</summary>
public sealed record EventResponse(string Id, string Type, string WorkspaceId, DateTimeOffset OccurredAt, string Subject, JsonElement Data);

public sealed record EventEnvelope(EventResponse Event);

public sealed record EventList(
    IReadOnlyList<EventResponse> Events,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NextCursor);

// The data of each type, as the writes build it.
public sealed record PlaybookData(PlaybookResponse Playbook);

public sealed record PlaybookUpdatedData(PlaybookResponse Playbook, long PreviousVersion);

public sealed record PlaybookDeletedData(string PlaybookId);

public sealed record RunData(RunResponse Run);

public sealed record StateChangedData(string PlaybookId, string From, string To, Evaluation Evaluation);

public sealed record PivotData(PivotResponse Pivot, PlaybookResponse Playbook);

public sealed record PingData(string WebhookId);
