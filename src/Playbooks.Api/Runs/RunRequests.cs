using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Playbooks.Api.Runs;

// Bodies as the OpenAPI document describes them; the handlers read them field by field.

[Description("What a run did since its last report; added to the run's counters atomically.")]
public sealed record OutcomeReportRequest
{
    [Range(0, OutcomeReport.MaxSamples)]
    public required int Samples { get; init; }

    [Range(0, OutcomeReport.MaxSamples), Description("At most `samples`.")]
    public required int Successes { get; init; }

    [Range(-OutcomeReport.MaxValue, OutcomeReport.MaxValue), Description("Default 0.")]
    public double? Value { get; init; }

    [Description("When it happened: not in the future, not before the run started. Default now.")]
    public DateTimeOffset? At { get; init; }
}

[Description("Ends a running run; the end is final.")]
public sealed record EndRunRequest
{
    public required string Status { get; init; }

    [MaxLength(RunsApi.NoteMax)]
    public string? Note { get; init; }
}
