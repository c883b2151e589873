using System.Text.Json.Serialization;

namespace Playbooks.Api.Playbooks;

/// <summary>The enums and bounds of the seed's field reference.</summary>
public static class SpecRules
{
    public static readonly string[] Statuses = ["draft", "active", "paused", "archived"];
    public static readonly string[] Modes = ["inbound", "outbound", "hybrid"];
    public static readonly string[] Buddies = ["insights", "prospect", "campaign", "pipeline"];
    public static readonly string[] LeadSourceKinds = ["orange-slice", "crm-segment", "cio-segment", "manual"];
    public static readonly string[] StrategyKinds = ["pmf-research", "gtm-execution", "hybrid"];
    public static readonly string[] SuccessMetrics = ["reply_rate", "meeting_booked", "pipeline_arr", "custom"];

    public const int NameMax = 200;
    public const int QueryMax = 1000;
    public const int HypothesisMax = 2000;
    public const int ChannelsMax = 12;
    public const int ChannelMax = 60;
    public const int SampleSizeMax = 5000;
    public const int MinSampleSizeMax = 10000;
    public const int PivotWindowDaysMax = 90;
    public const int MaxPivotsPerWeekMax = 20;

    /// <summary>A reply_rate target is a fraction up to 1 or a percentage up to 100 (adaptation.md); above that it means nothing.</summary>
    public const double ReplyRateTargetMax = 100;

    public static readonly LeadSource DefaultLeadSource = new("manual", null, 50);
    public static readonly Adaptation DefaultAdaptation = new(true, 50, 3, 2);
    public const string DefaultStatus = "draft";
    public const string DefaultStrategyKind = "gtm-execution";
}

/// <summary>What a saved version records as its <c>change</c>.</summary>
public static class VersionChanges
{
    public static readonly string[] All = ["create", "update", "pivot"];
}

public sealed record LeadSource(string Kind, string? Query, int SampleSize);

public sealed record Strategy(string Kind, string Hypothesis, IReadOnlyList<string> Channels, string? SuccessMetric, double? SuccessTarget)
{
    public bool Equals(Strategy? other) =>
        other is not null && Kind == other.Kind && Hypothesis == other.Hypothesis && Channels.SequenceEqual(other.Channels)
        && SuccessMetric == other.SuccessMetric && SuccessTarget.Equals(other.SuccessTarget);

    public override int GetHashCode() => HashCode.Combine(Kind, Hypothesis, Channels.Count, SuccessMetric, SuccessTarget);
}

public sealed record Adaptation(bool Enabled, int MinSampleSize, int PivotWindowDays, int MaxPivotsPerWeek);

/// <summary>Everything a client may set on a playbook; what a version saves.</summary>
public sealed record PlaybookSpec(
    string Name,
    string Status,
    string Mode,
    string BuddyId,
    LeadSource LeadSource,
    Strategy Strategy,
    Adaptation Adaptation);

public sealed record PlaybookResponse(
    string Id,
    string WorkspaceId,
    string Name,
    string Status,
    string Mode,
    string BuddyId,
    LeadSource LeadSource,
    Strategy Strategy,
    Adaptation Adaptation,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string CreatedBy);

public sealed record PlaybookEnvelope(PlaybookResponse Playbook);

public sealed record PlaybookList(
    IReadOnlyList<PlaybookResponse> Playbooks,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? NextCursor);

public sealed record OkResponse(bool Ok);
