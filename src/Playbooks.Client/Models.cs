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

public sealed record Run(
    string Id, string PlaybookId, long SpecVersion, string Status, RunMetrics Metrics,
    DateTimeOffset StartedAt, DateTimeOffset? EndedAt, string? Note, string CreatedBy);

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

public sealed record Workspace(string Id, string Name, bool ReadOnly, DateTimeOffset CreatedAt);

public sealed record Grant(string WorkspaceId, string Role);

public sealed record Token(string Id, string Subject, IReadOnlyList<Grant> Grants, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);

public sealed record IssuedToken(Token Token, string Secret);

/// <summary>One page of a list; <see cref="NextCursor"/> is null on the last.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>What a list call filters and where it starts.</summary>
public sealed record ListOptions(int? Limit = null, string? Cursor = null, string? Status = null, string? Mode = null, string? BuddyId = null);

/// <summary>An outcome report: leads contacted, successes, value, and when (default now).</summary>
public sealed record OutcomeReport(int Samples, int Successes, double? Value = null, DateTimeOffset? At = null);
