using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Playbooks.Api.Workspaces;

// Bodies as the OpenAPI document describes them; the handlers read them field by field.

public sealed record CreateWorkspaceRequest
{
    [StringLength(WorkspaceStore.NameMax, MinimumLength = 1), Description("Trimmed before the length check.")]
    public required string Name { get; init; }

    [Description("Default false. A read-only workspace refuses every mutating call.")]
    public bool? ReadOnly { get; init; }
}

[Description("Only the fields sent change.")]
public sealed record UpdateWorkspaceRequest
{
    [StringLength(WorkspaceStore.NameMax, MinimumLength = 1), Description("Trimmed before the length check; may not be null.")]
    public string Name { get; init; } = "";

    public bool? ReadOnly { get; init; }
}
