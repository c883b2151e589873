using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Playbooks.Api.Playbooks;

// The bodies of the playbook calls as the OpenAPI document describes them. The handlers do not
// bind them: SpecReader reads each body field by field for the seed's lenient rules (unknown
// fields dropped, invalid enum values ignored). Enum values are set by OpenApi/SchemaRules.cs.

[Description("A new playbook. Fields left out take their defaults.")]
public sealed record CreatePlaybookRequest
{
    [StringLength(SpecRules.NameMax, MinimumLength = 1), Description("Trimmed before the length check.")]
    public required string Name { get; init; }

    [Description("Default `draft`.")]
    public string? Status { get; init; }

    [Description("An invalid value counts as missing.")]
    public required string Mode { get; init; }

    [Description("An invalid value counts as missing.")]
    public required string BuddyId { get; init; }

    public LeadSourceRequest? LeadSource { get; init; }

    public required StrategyRequest Strategy { get; init; }

    public AdaptationRequest? Adaptation { get; init; }
}

[Description("A partial update: only the fields sent change; nested objects shallow-merge. `null` resets an optional field to its default; an invalid enum value is ignored.")]
public sealed record UpdatePlaybookRequest
{
    [StringLength(SpecRules.NameMax, MinimumLength = 1), Description("Trimmed before the length check; may not be null.")]
    public string Name { get; init; } = "";

    public string? Status { get; init; }

    [Description("May not be null.")]
    public string Mode { get; init; } = "";

    [Description("May not be null.")]
    public string BuddyId { get; init; } = "";

    public LeadSourceRequest? LeadSource { get; init; }

    [Description("May not be null: the strategy holds the required hypothesis.")]
    public StrategyUpdate Strategy { get; init; } = new();

    public AdaptationRequest? Adaptation { get; init; }
}

public sealed record LeadSourceRequest
{
    [Description("Default `manual`.")]
    public string? Kind { get; init; }

    [MaxLength(SpecRules.QueryMax)]
    public string? Query { get; init; }

    [Range(1, SpecRules.SampleSizeMax), Description("Default 50.")]
    public int? SampleSize { get; init; }
}

[Description("The strategy of a new playbook.")]
public sealed record StrategyRequest
{
    [Description("Default `gtm-execution`.")]
    public string? Kind { get; init; }

    [StringLength(SpecRules.HypothesisMax, MinimumLength = 1)]
    public required string Hypothesis { get; init; }

    [MaxLength(SpecRules.ChannelsMax), Description("Default `[]`.")]
    public IReadOnlyList<string>? Channels { get; init; }

    public string? SuccessMetric { get; init; }

    [Description("A finite number, at least 0.")]
    public double? SuccessTarget { get; init; }
}

[Description("Strategy fields to change; the others keep their values.")]
public sealed record StrategyUpdate
{
    public string? Kind { get; init; }

    [StringLength(SpecRules.HypothesisMax, MinimumLength = 1), Description("May not be null.")]
    public string Hypothesis { get; init; } = "";

    [MaxLength(SpecRules.ChannelsMax), Description("`null` means `[]`.")]
    public IReadOnlyList<string>? Channels { get; init; }

    public string? SuccessMetric { get; init; }

    [Description("A finite number, at least 0.")]
    public double? SuccessTarget { get; init; }
}

public sealed record AdaptationRequest
{
    [Description("Default true.")]
    public bool? Enabled { get; init; }

    [Range(1, SpecRules.MinSampleSizeMax), Description("Default 50.")]
    public int? MinSampleSize { get; init; }

    [Range(1, SpecRules.PivotWindowDaysMax), Description("Default 3.")]
    public int? PivotWindowDays { get; init; }

    [Range(0, SpecRules.MaxPivotsPerWeekMax), Description("Default 2.")]
    public int? MaxPivotsPerWeek { get; init; }
}
