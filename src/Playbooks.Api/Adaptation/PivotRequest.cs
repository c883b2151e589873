using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Playbooks.Api.Playbooks;

namespace Playbooks.Api.Adaptation;

/// <summary>The body of a pivot as the OpenAPI document describes it; the handler reads it field by field.</summary>
[Description("A strategy change the evidence justifies: merged over the current strategy like an update; it must change something.")]
public sealed record PivotRequest
{
    [StringLength(AdaptationApi.ReasonMax, MinimumLength = 1)]
    public required string Reason { get; init; }

    public required StrategyUpdate Strategy { get; init; }
}
