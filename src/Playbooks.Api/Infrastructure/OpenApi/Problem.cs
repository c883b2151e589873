using System.ComponentModel;
using System.Text.Json.Serialization;
using Playbooks.Api.Adaptation;

namespace Playbooks.Api.Infrastructure.OpenApi;

/// <summary>
/// Every error as the OpenAPI document describes it: what <see cref="ApiProblem"/> sends.
/// Members that are left out when they have no value carry JsonIgnore, so SchemaRules keeps
/// them out of <c>required</c>.
/// </summary>
[Description("RFC 9457 problem details; every error is sent as application/problem+json.")]
public sealed record Problem
{
    [Description("`urn:playbooks:problem:<code>`.")]
    public required string Type { get; init; }

    public required string Title { get; init; }

    public required int Status { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Detail { get; init; }

    [Description("Stable machine code, e.g. `validation_failed`, `not_found`, `run_not_running`.")]
    public required string Code { get; init; }

    public required string TraceId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [Description("Validation errors: field path (e.g. `strategy.hypothesis`) to messages.")]
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Errors { get; init; }

    [Description("Only on the 409 of a pivot guard: when a pivot is allowed again, or null if never.")]
    public DateTimeOffset? NextPivotAllowedAt { get; init; }

    // Declared non-nullable so the schema is a plain reference: it is left out, never null.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [Description("Only on the 409 of a pivot guard: the evaluation that refused the pivot.")]
    public Evaluation Evaluation { get; init; } = null!;
}
