using System.Text.Json;
using System.Text.Json.Serialization;

namespace Playbooks.Client;

// The API's answers, as the client reads them. Field names follow the API (camelCase on the wire).

public sealed record LeadSource(string Kind, string? Query, int SampleSize);

public sealed record Strategy(string Kind, string Hypothesis, IReadOnlyList<string> Channels, string? SuccessMetric, double? SuccessTarget);

public sealed record AdaptationRules(bool Enabled, int MinSampleSize, int PivotWindowDays, int MaxPivotsPerWeek);

public sealed record Playbook(
    string Id, string WorkspaceId, string Name, string Status, string Mode, string BuddyId,
    LeadSource LeadSource, Strategy Strategy, AdaptationRules Adaptation,
    long Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string CreatedBy);

public sealed record RunMetrics(long Samples, long Successes, double MetricValue);

/// <summary>
/// A run. <see cref="SuccessMetric"/> is the metric of its spec version, which sets <c>Metrics.MetricValue</c> (null: successes);
/// last, with a default, so code that builds a Run by position keeps compiling.
/// </summary>
public sealed record Run(
    string Id, string PlaybookId, long SpecVersion, string Status, RunMetrics Metrics,
    DateTimeOffset StartedAt, DateTimeOffset? EndedAt, string? Note, string CreatedBy, string? SuccessMetric = null);

public sealed record PlaybookSpec(
    string Name, string Status, string Mode, string BuddyId, LeadSource LeadSource, Strategy Strategy, AdaptationRules Adaptation);

public sealed record SpecVersion(long Version, PlaybookSpec Spec, DateTimeOffset CreatedAt, string CreatedBy, string Change);

public sealed record StatsBucket(DateTimeOffset Start, long Samples, long Successes, double Value, long RunsStarted);

public sealed record Stats(string Bucket, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<StatsBucket> Buckets);

public sealed record PivotStatus(bool Recommended, bool Allowed, string? BlockedBy, int PivotsLast7Days, int MaxPivotsPerWeek, DateTimeOffset? NextPivotAllowedAt);

public sealed record Evaluation(
    string State, string? Metric, double? Target, double? TargetPerSample, long StrategyVersion, DateTimeOffset StrategySince,
    long Samples, long Successes, double Value, double? Observed, double? ProbabilityBelowTarget, double[]? Interval,
    double? EValueBelowTarget, PivotStatus Pivot, DateTimeOffset EvaluatedAt);

public sealed record PivotEvaluation(
    string State, bool Recommended, double? ProbabilityBelowTarget, double? EValueBelowTarget,
    [property: JsonPropertyName("n")] long N, [property: JsonPropertyName("s")] long S, double Value, double? TargetPerSample,
    long StrategyVersion, DateTimeOffset EvaluatedAt);

public sealed record Pivot(
    string Id, string PlaybookId, long FromVersion, long ToVersion, string Reason, PivotEvaluation Evaluation, DateTimeOffset CreatedAt, string CreatedBy);

public sealed record PivotResult(Pivot Pivot, Playbook Playbook);

/// <summary>What <c>POST /v1/demo</c> made: the demo playbooks, and the one whose evaluation allows a pivot now.</summary>
public sealed record DemoResult(IReadOnlyList<Playbook> Playbooks, string PivotReadyPlaybookId);

public sealed record Workspace(string Id, string Name, bool ReadOnly, DateTimeOffset CreatedAt);

public sealed record Grant(string WorkspaceId, string Role);

/// <summary>A token without its secret; <see cref="RevokedAt"/> only comes with the admin list.</summary>
public sealed record Token(string Id, string Subject, IReadOnlyList<Grant> Grants, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt = null);

public sealed record IssuedToken(Token Token, string Secret);

/// <summary>A change recorded in the workspace's feed; <see cref="Data"/> is kept as the API sent it (its shape depends on <see cref="Type"/>).</summary>
public sealed record Event(
    string Id, string Type, string WorkspaceId, DateTimeOffset OccurredAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Subject, JsonElement Data);

/// <summary>The event types of the feed; <c>webhook.ping</c> only reaches the endpoint that was pinged.</summary>
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
}

/// <summary>A webhook endpoint. <see cref="Events"/> empty means every type; <see cref="DisabledReason"/> is <c>gone</c> or <c>failing</c> when the server disabled it.</summary>
public sealed record Webhook(
    string Id, string Url, IReadOnlyList<string> Events,
    // Written even when null, so that --json shows these members as the API sends them.
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Description,
    bool Enabled, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string CreatedBy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? DisabledReason);

/// <summary>A webhook with its signing secret (<c>whsec_…</c>), which the API shows only on create and rotate.</summary>
public sealed record IssuedWebhook(Webhook Webhook, string Secret);

/// <summary>The fields of a webhook to change; null leaves a field as it is, an empty <see cref="Events"/> means every type.</summary>
public sealed record WebhookChanges(string? Url = null, IReadOnlyList<string>? Events = null, string? Description = null, bool? Enabled = null);

/// <summary>One event on its way to one endpoint: <see cref="Status"/> is pending, succeeded or failed.</summary>
public sealed record Delivery(
    string Id, string WebhookId, string EventId, string EventType, string Status, int Attempts,
    DateTimeOffset? LastAttemptAt, int? LastStatusCode, string? LastError, DateTimeOffset? NextAttemptAt, DateTimeOffset CreatedAt);

/// <summary>One page of a list; <see cref="NextCursor"/> is null on the last.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>What a list call filters and where it starts.</summary>
public sealed record ListOptions(int? Limit = null, string? Cursor = null, string? Status = null, string? Mode = null, string? BuddyId = null);

/// <summary>An outcome report: leads contacted, successes, value, and when (default now).</summary>
public sealed record OutcomeReport(int Samples, int Successes, double? Value = null, DateTimeOffset? At = null);
